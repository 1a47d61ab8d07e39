import {
  Alert,
  Anchor,
  Button,
  Code,
  CopyButton,
  Group,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Fact, Facts } from '../../components/facts.tsx';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { CorrectionFields, CorrectionView, correctionFromForm } from './correction-fields.tsx';
import {
  addRequestNote,
  extendRequest,
  fulfilRequest,
  isClosed,
  packageDownloadPath,
  refuseRequest,
  requestQuery,
  type TPrivacyRequestDetail,
  updateRequest,
} from './privacy-requests.api.ts';
import { RequestBadges } from './requests-inbox.page.tsx';

const route = getRouteApi('/app/privacy-requests/$requestId');

/** One request: what was asked, its deadline, every step, and what can be done next. */
export function RequestDetailPage() {
  const { t } = useTranslation();
  const { requestId } = route.useParams();
  const request = useQuery(requestQuery(requestId));
  const me = useQuery(meQuery);
  if (request.isPending) return <Loading />;
  if (request.isError) return <ErrorAlert error={request.error} />;
  const r = request.data;
  const admin = isWorkspaceAdmin(me.data);
  return (
    <Page title={`${t(`privacyRequests.kinds.${r.kind}`)} — ${t('privacyRequests.request')}`}>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Section title={t('privacyRequests.what')}>
          <Facts>
            <Fact label={t('privacyRequests.statusLabel')}>
              <RequestBadges r={r} />
            </Fact>
            <Fact label={t('privacyRequests.people')}>
              {r.people.length ? (
                <Group gap="xs">
                  {r.people.map((p) => (
                    <AnchorLink key={p.id} to="/people/$personId" params={{ personId: p.id }}>
                      {p.name}
                    </AnchorLink>
                  ))}
                </Group>
              ) : (
                t('privacyRequests.unmatched')
              )}
            </Fact>
            <Fact label={t('privacyRequests.requester')}>{r.requesterEmail ?? '—'}</Fact>
            <Fact label={t('privacyRequests.channel')}>{t(`privacyRequests.channels.${r.channel}`)}</Fact>
            <Fact label={t('privacyRequests.received')}>{formatDateTime(r.receivedAt)}</Fact>
            <Fact label={t('privacyRequests.due')}>
              <Text span c={r.overdue ? 'red' : undefined} fw={r.overdue ? 700 : undefined}>
                {formatDate(r.dueAt)}
              </Text>
              {r.extensionReason ? ` (${t('privacyRequests.extendedBecause', { reason: r.extensionReason })})` : ''}
            </Fact>
            {r.refusalReason && <Fact label={t('privacyRequests.refusalReason')}>{r.refusalReason}</Fact>}
          </Facts>
          {r.details && (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {r.details}
            </Text>
          )}
          {r.repeatExtract && (
            <Alert color="yellow" role="status">
              {t('privacyRequests.repeatExtractHint')}
            </Alert>
          )}
        </Section>
        {admin && !isClosed(r.status) && <Actions r={r} />}
      </SimpleGrid>
      {r.kind === 'rectification' && (
        <Section title={t('privacyRequests.correction.heading')}>
          <Text size="sm" c="dimmed">
            {t('privacyRequests.correction.intro')}
          </Text>
          <CorrectionView c={r.correction} />
          {admin && !isClosed(r.status) && <EditCorrection r={r} />}
        </Section>
      )}
      {r.packages.length > 0 && (
        <Section title={t('privacyRequests.packages')}>
          <Stack gap="xs">
            {r.packages.map((p) => (
              <Group key={p.id} gap="sm">
                <Text size="sm">
                  {t(`privacyRequests.packageState.${p.state}`)} · {formatDateTime(p.createdAt)} ·{' '}
                  {t('privacyRequests.downloads', { count: p.downloads })}
                  {p.expired
                    ? ` · ${t('privacyRequests.expired')}`
                    : ` · ${t('privacyRequests.until', { date: formatDate(p.expiresAt) })}`}
                </Text>
                {admin && p.state === 'ready' && !p.expired && (
                  <>
                    <Anchor size="sm" href={packageDownloadPath(r.id, p.id)}>
                      {t('privacyRequests.downloadZip')}
                    </Anchor>
                    <Anchor size="sm" href={packageDownloadPath(r.id, p.id, 'report.html')}>
                      {t('privacyRequests.downloadReport')}
                    </Anchor>
                  </>
                )}
              </Group>
            ))}
          </Stack>
        </Section>
      )}
      {r.outcome && (
        <Section title={t('privacyRequests.outcome')}>
          <Code block style={{ whiteSpace: 'pre-wrap' }}>
            {JSON.stringify(r.outcome, null, 2)}
          </Code>
        </Section>
      )}
      <Section title={t('privacyRequests.steps')}>
        <Table striped fz="sm" aria-label={t('privacyRequests.steps')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('privacyRequests.when')}</Table.Th>
              <Table.Th>{t('privacyRequests.who')}</Table.Th>
              <Table.Th>{t('privacyRequests.step')}</Table.Th>
              <Table.Th>{t('privacyRequests.note')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {r.steps.map((s) => (
              <Table.Tr key={s.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(s.occurredAt)}</Table.Td>
                <Table.Td>
                  {s.actor.name ?? t(`privacyRequests.actors.${s.actor.kind}`, { defaultValue: s.actor.kind })}
                </Table.Td>
                <Table.Td>{t(`privacyRequests.stepNames.${s.action}`, { defaultValue: s.action })}</Table.Td>
                <Table.Td style={{ whiteSpace: 'pre-wrap' }}>{s.note ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>
    </Page>
  );
}

function Actions({ r }: { r: TPrivacyRequestDetail }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const members = useQuery(membersQuery);
  const [link, setLink] = useState<string | null>(null);
  const done = (data: TPrivacyRequestDetail) => {
    queryClient.setQueryData(requestQuery(r.id).queryKey, data);
    return queryClient.invalidateQueries({ queryKey: ['privacy-requests', 'list'] });
  };
  const update = useMutation({
    mutationFn: (b: Parameters<typeof updateRequest>[1]) => updateRequest(r.id, b),
    onSuccess: done,
  });
  const note = useMutation({ mutationFn: (n: string) => addRequestNote(r.id, n), onSuccess: done });
  const extend = useMutation({
    mutationFn: (v: { months: 1 | 2; reason: string }) => extendRequest(r.id, v.months, v.reason),
    onSuccess: done,
  });
  const refuse = useMutation({ mutationFn: (reason: string) => refuseRequest(r.id, reason), onSuccess: done });
  const fulfil = useMutation({
    mutationFn: (b: { purposeKey?: string; confirm?: string }) => fulfilRequest(r.id, b),
    onSuccess: async (res) => {
      setLink(res.downloadUrl);
      await done(res.request);
    },
  });
  const needsPurpose = r.kind === 'objection' || r.kind === 'withdrawal';
  return (
    <Section title={t('privacyRequests.actions')}>
      <Group align="flex-end" gap="sm">
        <NativeSelect
          label={t('privacyRequests.statusLabel')}
          value={['received', 'verifying', 'in_progress'].includes(r.status) ? r.status : ''}
          onChange={(e) => {
            const v = e.currentTarget.value as 'received' | 'verifying' | 'in_progress' | '';
            if (v) update.mutate({ status: v });
          }}
          data={[
            ...(r.status === 'extended' ? [{ value: '', label: t('privacyRequests.status.extended') }] : []),
            ...(['received', 'verifying', 'in_progress'] as const).map((s) => ({
              value: s,
              label: t(`privacyRequests.status.${s}`),
            })),
          ]}
        />
        <NativeSelect
          label={t('privacyRequests.owner')}
          value={r.ownerId ?? ''}
          onChange={(e) => update.mutate({ ownerId: e.currentTarget.value || null })}
          data={[
            { value: '', label: t('privacyRequests.nobody') },
            ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
          ]}
        />
      </Group>
      <ErrorAlert error={update.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          fulfil.mutate({
            ...(needsPurpose ? { purposeKey: String(f.get('purposeKey') ?? '').trim() } : {}),
            ...(r.kind === 'erasure' ? { confirm: String(f.get('confirm') ?? '').trim() } : {}),
          });
        }}
      >
        <Group align="flex-end" gap="sm">
          {needsPurpose && (
            <TextInput
              name="purposeKey"
              label={t('privacyRequests.purpose')}
              placeholder="marketing.email"
              error={fieldError(fulfil.error, 'purposeKey')}
            />
          )}
          {r.kind === 'erasure' && (
            <TextInput
              name="confirm"
              label={t('privacyRequests.typeErase')}
              autoComplete="off"
              error={fieldError(fulfil.error, 'confirm')}
            />
          )}
          <Button type="submit" loading={fulfil.isPending} color={r.kind === 'erasure' ? 'red' : undefined}>
            {t(`privacyRequests.fulfil.${r.kind}`)}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={fulfil.error} hideWhenFields />
      {link && (
        <Alert color="teal" role="status" title={t('privacyRequests.linkTitle')}>
          <Text size="sm">{t('privacyRequests.linkIntro')}</Text>
          <Group gap="xs" wrap="nowrap">
            <Code style={{ wordBreak: 'break-all' }}>{link}</Code>
            <CopyButton value={link}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" onClick={copy}>
                  {copied ? t('privacyRequests.copied') : t('privacyRequests.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <ReasonForm
        label={t('privacyRequests.addNote')}
        button={t('privacyRequests.addNote')}
        pending={note.isPending}
        error={note.error}
        onSubmit={(v) => note.mutate(v)}
        name="note"
      />
      {!r.extendedAt && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            extend.mutate({ months: f.get('months') === '1' ? 1 : 2, reason: String(f.get('reason') ?? '') });
          }}
        >
          <Stack gap="xs">
            <Group align="flex-end" gap="sm">
              <NativeSelect
                name="months"
                label={t('privacyRequests.extendBy')}
                data={[
                  { value: '1', label: t('privacyRequests.months', { count: 1 }) },
                  { value: '2', label: t('privacyRequests.months', { count: 2 }) },
                ]}
              />
              <TextInput
                name="reason"
                label={t('privacyRequests.extendReason')}
                error={fieldError(extend.error, 'reason')}
              />
              <Button type="submit" variant="default" loading={extend.isPending}>
                {t('privacyRequests.extend')}
              </Button>
            </Group>
            <ErrorAlert error={extend.error} hideWhenFields />
          </Stack>
        </form>
      )}
      <ReasonForm
        label={t('privacyRequests.refuseReason')}
        button={t('privacyRequests.refuse')}
        pending={refuse.isPending}
        error={refuse.error}
        onSubmit={(v) => refuse.mutate(v)}
        name="reason"
        danger
      />
    </Section>
  );
}

/** Staff correct the proposed values before fulfilling (the person's own words stay above). */
function EditCorrection({ r }: { r: TPrivacyRequestDetail }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (correction: Parameters<typeof updateRequest>[1]['correction']) => updateRequest(r.id, { correction }),
    onSuccess: (data) => queryClient.setQueryData(requestQuery(r.id).queryKey, data),
  });
  return (
    <form
      key={JSON.stringify(r.correction)}
      aria-label={t('privacyRequests.correction.edit')}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(correctionFromForm(new FormData(e.currentTarget)));
      }}
    >
      <Stack gap="xs">
        <CorrectionFields value={r.correction} error={save.error} />
        <ErrorAlert error={save.error} hideWhenFields />
        <Button type="submit" variant="default" w="fit-content" loading={save.isPending}>
          {t('privacyRequests.correction.save')}
        </Button>
      </Stack>
    </form>
  );
}

function ReasonForm(props: {
  label: string;
  button: string;
  name: string;
  pending: boolean;
  error: unknown;
  danger?: boolean;
  onSubmit: (value: string) => void;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const v = String(new FormData(form).get(props.name) ?? '').trim();
        if (v) {
          props.onSubmit(v);
          form.reset();
        }
      }}
    >
      <Stack gap="xs">
        <Textarea
          name={props.name}
          label={props.label}
          autosize
          minRows={2}
          error={fieldError(props.error, props.name)}
        />
        <ErrorAlert error={props.error} hideWhenFields />
        <Button
          type="submit"
          variant={props.danger ? 'light' : 'default'}
          color={props.danger ? 'red' : undefined}
          w="fit-content"
          loading={props.pending}
        >
          {props.button}
        </Button>
      </Stack>
    </form>
  );
}
