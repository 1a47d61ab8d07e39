import { Alert, Button, Code, Group, List, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

type TAuditEntry = {
  seq: number;
  occurredAt: string;
  actor: { kind: string; id: string | null; name: string | null };
  action: string;
  target: { type: string; id: string } | null;
  subjectUserId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  email: string | null;
  hash: string;
};
type TAuditPage = { entries: TAuditEntry[]; nextBefore: number | null };
type TChainReport = { ok: boolean; entries: number; problems: { seq: number; kind: string; message: string }[] };

const PAGE = 50;

export function AuditPage() {
  const { t } = useTranslation();
  const [action, setAction] = useState('');
  const log = useInfiniteQuery({
    queryKey: ['audit', action],
    initialPageParam: null as number | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (pageParam) q.set('before', String(pageParam));
      if (action) q.set('action', action);
      return api<TAuditPage>(`/api/audit?${q}`);
    },
    getNextPageParam: (last) => last.nextBefore,
  });
  const verify = useMutation({ mutationFn: () => api<TChainReport>('/api/audit/verify', { method: 'POST' }) });
  const entries = log.data?.pages.flatMap((p) => p.entries) ?? [];

  return (
    <Page
      title={t('audit.title')}
      intro={t('audit.intro')}
      actions={
        <Button variant="default" onClick={() => verify.mutate()} loading={verify.isPending}>
          {t('audit.verify')}
        </Button>
      }
    >
      {verify.data &&
        (verify.data.ok ? (
          <Alert color="teal" role="status">
            {t('audit.verifyOk', { count: verify.data.entries })}
          </Alert>
        ) : (
          <Alert color="red" role="alert">
            <Text size="sm">{t('audit.verifyBad', { count: verify.data.problems.length })}</Text>
            <List size="sm">
              {verify.data.problems.map((p) => (
                <List.Item key={`${p.seq}-${p.kind}`}>
                  {t('audit.entry', { seq: p.seq })}: {p.message}
                </List.Item>
              ))}
            </List>
          </Alert>
        ))}
      <ErrorAlert error={verify.error} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setAction(String(new FormData(e.currentTarget).get('action') ?? '').trim());
        }}
      >
        <Group align="flex-end" gap="sm">
          <TextInput
            name="action"
            label={t('audit.action')}
            placeholder="member."
            defaultValue={action}
            error={fieldError(log.error, 'action')}
          />
          <Button type="submit" variant="default">
            {t('audit.filter')}
          </Button>
          {action && (
            <Button
              variant="subtle"
              onClick={(e) => {
                const input = e.currentTarget.form?.elements.namedItem('action');
                if (input instanceof HTMLInputElement) input.value = '';
                setAction('');
              }}
            >
              {t('audit.clear')}
            </Button>
          )}
        </Group>
      </form>
      {log.isPending ? (
        <Loading />
      ) : log.isError ? (
        <ErrorAlert error={log.error} hideWhenFields />
      ) : entries.length === 0 ? (
        <Text c="dimmed">{t('audit.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={900}>
            <Table striped verticalSpacing={4} fz="sm" aria-label={t('audit.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>{t('audit.time')}</Table.Th>
                  <Table.Th>{t('audit.actor')}</Table.Th>
                  <Table.Th>{t('audit.action')}</Table.Th>
                  <Table.Th>{t('audit.target')}</Table.Th>
                  <Table.Th>{t('audit.ip')}</Table.Th>
                  <Table.Th>{t('audit.details')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e) => (
                  <Table.Tr key={e.seq}>
                    <Table.Td>{e.seq}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.occurredAt)}</Table.Td>
                    <Table.Td>{e.actor.name ?? e.email ?? e.actor.kind}</Table.Td>
                    <Table.Td>
                      <Code>{e.action}</Code>
                    </Table.Td>
                    <Table.Td>{e.target ? `${e.target.type} ${e.target.id.slice(0, 8)}` : '—'}</Table.Td>
                    <Table.Td>{e.ip ?? '—'}</Table.Td>
                    <Table.Td>
                      {Object.keys(e.details).length > 0 && (
                        <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                          {JSON.stringify(e.details)}
                        </Code>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {log.hasNextPage && (
            <Button
              variant="default"
              w="fit-content"
              onClick={() => log.fetchNextPage()}
              loading={log.isFetchingNextPage}
            >
              {t('common.loadMore')}
            </Button>
          )}
        </Stack>
      )}
    </Page>
  );
}
