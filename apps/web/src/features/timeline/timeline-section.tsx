import { Button, Group, NativeSelect, NumberInput, Stack, Text, Textarea, TextInput, Typography } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TCallOutcome, TInteractionKind } from '@tillit/contracts';
import { type FormEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ErrorAlert, Loading, Section, SuccessAlert } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useCanWrite } from '../people/people.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { editorHtml, RichTextEditor } from './rich-text-editor.tsx';
import {
  createInteraction,
  createNote,
  deleteNote,
  linksTo,
  type TTimelineItem,
  type TTimelineRecordKind,
  timelineQuery,
} from './timeline.api.ts';

/**
 * The Timeline section of a person, company or deal (P-CRM-9): a note composer, a form to
 * log a call or meeting, and the merged stream (notes, calls, meetings, emails, tasks, stage
 * changes), newest first, with "Load more".
 */
export function TimelineSection({ kind, recordId }: { kind: TTimelineRecordKind; recordId: string }) {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const list = useInfiniteQuery(timelineQuery(kind, recordId));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Section title={t('timeline.title')}>
      {canWrite && <NoteComposer kind={kind} recordId={recordId} />}
      {canWrite && <LogInteraction kind={kind} recordId={recordId} />}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : items.length === 0 ? (
        <Text c="dimmed" size="sm">
          {t('timeline.empty')}
        </Text>
      ) : (
        <Stack
          gap="xs"
          component="ol"
          aria-label={t('timeline.title')}
          style={{ listStyle: 'none', padding: 0, margin: 0 }}
        >
          {items.map((item) => (
            <TimelineEntry key={`${item.kind}-${item.id}`} item={item} canWrite={canWrite} />
          ))}
        </Stack>
      )}
      <LoadMore
        shown={items.length}
        hasMore={list.hasNextPage}
        loading={list.isFetchingNextPage}
        onLoad={() => void list.fetchNextPage()}
      />
    </Section>
  );
}

function useRefreshTimeline() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ['timeline'] });
    await queryClient.invalidateQueries({ queryKey: ['trash'] });
  };
}

function NoteComposer({ kind, recordId }: { kind: TTimelineRecordKind; recordId: string }) {
  const { t } = useTranslation();
  const editor = useRef<HTMLDivElement | null>(null);
  const [empty, setEmpty] = useState(true);
  const [done, setDone] = useState(false);
  const refresh = useRefreshTimeline();
  const save = useMutation({
    mutationFn: (bodyHtml: string) => createNote({ bodyHtml, ...linksTo(kind, recordId) }),
    onMutate: () => setDone(false),
    onSuccess: async () => {
      if (editor.current) editor.current.innerHTML = '';
      setEmpty(true);
      setDone(true);
      await refresh();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (editor.current) save.mutate(editorHtml(editor.current));
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <RichTextEditor
          label={t('timeline.note')}
          editorRef={editor}
          onInput={() => {
            setEmpty(!editor.current?.textContent?.trim());
            setDone(false);
          }}
        />
        <ErrorAlert error={save.error} />
        {done && <SuccessAlert>{t('timeline.noteAdded')}</SuccessAlert>}
        <Group>
          <Button type="submit" size="xs" loading={save.isPending} disabled={empty}>
            {t('timeline.addNote')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const OUTCOMES: TCallOutcome[] = ['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number'];

/** Now, as the value of a datetime-local input (the browser's local time). */
function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function LogInteraction({ kind, recordId }: { kind: TTimelineRecordKind; recordId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [type, setType] = useState<Exclude<TInteractionKind, 'email'>>('call');
  const [direction, setDirection] = useState<'in' | 'out'>('out');
  const [when, setWhen] = useState(localNow);
  const [minutes, setMinutes] = useState<number | string>('');
  const [subject, setSubject] = useState('');
  const [summary, setSummary] = useState('');
  const [outcome, setOutcome] = useState<TCallOutcome | ''>('');
  const [done, setDone] = useState(false);
  const refresh = useRefreshTimeline();
  const save = useMutation({
    mutationFn: () =>
      createInteraction({
        kind: type,
        occurredAt: new Date(when).toISOString(),
        ...(type === 'call' ? { direction, outcome: outcome || null } : {}),
        durationSeconds: typeof minutes === 'number' ? Math.round(minutes * 60) : null,
        subject,
        summary,
        ...linksTo(kind, recordId),
      }),
    onMutate: () => setDone(false),
    onSuccess: async () => {
      setSubject('');
      setSummary('');
      setMinutes('');
      setOutcome('');
      setDone(true);
      setOpen(false);
      await refresh();
    },
  });
  if (!open) {
    return (
      <Group>
        <Button size="xs" variant="default" onClick={() => setOpen(true)}>
          {t('timeline.logActivity')}
        </Button>
        {done && (
          <Text size="sm" role="status">
            {t('timeline.logged')}
          </Text>
        )}
      </Group>
    );
  }
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="xs">
        <Group grow align="flex-start">
          <NativeSelect
            label={t('timeline.kind')}
            value={type}
            onChange={(e) => setType(e.currentTarget.value as 'call' | 'meeting')}
            data={[
              { value: 'call', label: t('timeline.kinds.call') },
              { value: 'meeting', label: t('timeline.kinds.meeting') },
            ]}
          />
          {type === 'call' && (
            <NativeSelect
              label={t('timeline.direction')}
              value={direction}
              onChange={(e) => setDirection(e.currentTarget.value as 'in' | 'out')}
              data={[
                { value: 'out', label: t('timeline.directions.out') },
                { value: 'in', label: t('timeline.directions.in') },
              ]}
            />
          )}
          <TextInput
            type="datetime-local"
            label={t('timeline.when')}
            value={when}
            onChange={(e) => setWhen(e.currentTarget.value)}
            required
          />
          <NumberInput
            label={t('timeline.durationMinutes')}
            value={minutes}
            onChange={setMinutes}
            min={0}
            max={1440}
            allowDecimal={false}
          />
        </Group>
        <TextInput label={t('timeline.subject')} value={subject} onChange={(e) => setSubject(e.currentTarget.value)} />
        <Textarea
          label={t('timeline.summary')}
          value={summary}
          onChange={(e) => setSummary(e.currentTarget.value)}
          autosize
          minRows={2}
        />
        {type === 'call' && (
          <NativeSelect
            label={t('timeline.outcome')}
            value={outcome}
            onChange={(e) => setOutcome(e.currentTarget.value as TCallOutcome | '')}
            data={[
              { value: '', label: '—' },
              ...OUTCOMES.map((o) => ({ value: o, label: t(`timeline.outcomes.${o}`) })),
            ]}
          />
        )}
        <ErrorAlert error={save.error} />
        <Group>
          <Button type="submit" size="xs" loading={save.isPending}>
            {t('timeline.log')}
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setOpen(false)}>
            {t('timeline.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const ICONS: Record<string, string> = {
  note: '📝',
  call: '📞',
  meeting: '🤝',
  email: '✉️',
  stage_change: '➡️',
  task_created: '☐',
  task_completed: '☑',
};

function TimelineEntry({ item, canWrite }: { item: TTimelineItem; canWrite: boolean }) {
  const { t } = useTranslation();
  const members = useQuery(membersQuery);
  const refresh = useRefreshTimeline();
  const remove = useMutation({ mutationFn: (id: string) => deleteNote(id), onSuccess: refresh });
  const who = (id: string | null) => {
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : null;
  };
  const icon = item.kind === 'interaction' ? item.interaction.kind : item.kind;
  const kindLabel = t(`timeline.kinds.${icon}` as 'timeline.kinds.note');
  let body: React.ReactNode = null;
  let by: string | null = null;
  if (item.kind === 'note') {
    by = who(item.note.authorId);
    body = (
      <Typography fz="sm" className="tillit-note">
        {/* Sanitised by the server with a strict allow-list (note-html.sanitiser.ts). */}
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: the server's allow-list output */}
        <div dangerouslySetInnerHTML={{ __html: item.note.bodyHtml }} />
      </Typography>
    );
  } else if (item.kind === 'interaction') {
    const i = item.interaction;
    by = who(i.ownerId);
    const facts = [
      i.direction ? t(`timeline.directions.${i.direction}`) : null,
      i.durationSeconds != null ? t('timeline.minutes', { count: Math.round(i.durationSeconds / 60) }) : null,
      i.outcome ? t(`timeline.outcomes.${i.outcome}`) : null,
    ].filter(Boolean);
    body = (
      <Stack gap={2}>
        {i.subject && (
          <Text size="sm" fw={500}>
            {i.subject}
          </Text>
        )}
        {facts.length > 0 && (
          <Text size="xs" c="dimmed">
            {facts.join(' · ')}
          </Text>
        )}
        {i.summary && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            {i.summary}
          </Text>
        )}
      </Stack>
    );
  } else if (item.kind === 'stage_change') {
    const s = item.stageChange;
    by = who(s.movedBy);
    body = (
      <Text size="sm">
        {s.fromStageId
          ? t('timeline.stageMoved', { deal: s.dealName, from: s.fromStageName ?? '—', to: s.stageName ?? '—' })
          : t('timeline.stageCreated', { deal: s.dealName, to: s.stageName ?? '—' })}
      </Text>
    );
  } else {
    by = who(item.kind === 'task_created' ? item.task.createdBy : item.task.assigneeId);
    body = <Text size="sm">{item.task.title}</Text>;
  }
  return (
    <li>
      <Group align="flex-start" gap="sm" wrap="nowrap">
        <Text aria-hidden="true" size="lg" w={28} ta="center">
          {ICONS[icon] ?? '•'}
        </Text>
        <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
          <Text size="xs" c="dimmed">
            <Text span fw={600} c="var(--mantine-color-text)">
              {kindLabel}
            </Text>{' '}
            · {formatDateTime(item.at)}
            {by ? ` · ${t('timeline.by', { name: by })}` : ''}
          </Text>
          {body}
        </Stack>
        {canWrite && item.kind === 'note' && (
          <Button
            size="compact-xs"
            variant="subtle"
            color="red"
            aria-label={t('timeline.deleteNote')}
            loading={remove.isPending}
            onClick={() => remove.mutate(item.id)}
          >
            {t('timeline.delete')}
          </Button>
        )}
      </Group>
    </li>
  );
}
