import { Badge, Button, Group, MultiSelect, NumberInput, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  SUPPORT_GRANT_MAX_HOURS,
  SUPPORT_OBJECTS,
  type TSupportAccessList,
  type TSupportGrant,
  type TSupportGrantList,
  type TSupportObject,
} from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';

const grantsQuery = {
  queryKey: ['support-access', 'grants'],
  queryFn: () => api<TSupportGrantList>('/api/privacy/support-access/grants'),
};

/** Support access (P-SEC-7): grants to the service's support staff, and every read they made. */
export function SupportAccessPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const grants = useQuery(grantsQuery);
  const accesses = useInfiniteQuery({
    queryKey: ['support-access', 'accesses'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      api<TSupportAccessList>(
        `/api/privacy/support-access/accesses?limit=50${pageParam ? `&after=${encodeURIComponent(pageParam)}` : ''}`,
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const [scope, setScope] = useState<string[]>(['people']);
  const [hours, setHours] = useState<number | string>(24);
  const [reason, setReason] = useState('');
  const [revoking, setRevoking] = useState<TSupportGrant | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['support-access'] });
  const create = useMutation({
    mutationFn: () =>
      api<TSupportGrant>('/api/privacy/support-access/grants', {
        method: 'POST',
        body: { scope, hours: Number(hours), reason },
      }),
    onSuccess: async () => {
      setReason('');
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (g: TSupportGrant) =>
      api<TSupportGrant>(`/api/privacy/support-access/grants/${g.id}/revoke`, { method: 'POST', body: {} }),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });
  const date = (v: string) => new Date(v).toLocaleString();
  const rows = accesses.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page title={t('supportAccess.title')} intro={t('supportAccess.intro')} wide>
      <Section title={t('supportAccess.grantTitle')} intro={t('supportAccess.grantIntro')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Group align="flex-end">
            <MultiSelect
              label={t('supportAccess.scope')}
              data={SUPPORT_OBJECTS.map((o) => ({ value: o, label: t(`supportAccess.object_${o}`) }))}
              value={scope}
              onChange={setScope}
              miw={220}
              error={fieldError(create.error, 'scope')}
            />
            <NumberInput
              label={t('supportAccess.hours')}
              value={hours}
              onChange={setHours}
              min={1}
              max={SUPPORT_GRANT_MAX_HOURS}
              allowDecimal={false}
              w={140}
              error={fieldError(create.error, 'hours')}
            />
            <TextInput
              label={t('supportAccess.reason')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              required
              miw={280}
              error={fieldError(create.error, 'reason')}
            />
            <Button type="submit" loading={create.isPending}>
              {t('supportAccess.grant')}
            </Button>
          </Group>
          <ErrorAlert error={create.error} hideWhenFields />
        </form>
      </Section>
      <Section title={t('supportAccess.grantsTitle')}>
        {grants.isPending ? (
          <Loading />
        ) : grants.isError ? (
          <ErrorAlert error={grants.error} />
        ) : grants.data.items.length === 0 ? (
          <Text c="dimmed">{t('supportAccess.noGrants')}</Text>
        ) : (
          <Table striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('supportAccess.scope')}</Table.Th>
                <Table.Th>{t('supportAccess.reason')}</Table.Th>
                <Table.Th>{t('supportAccess.grantedBy')}</Table.Th>
                <Table.Th>{t('supportAccess.expires')}</Table.Th>
                <Table.Th>{t('supportAccess.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {grants.data.items.map((g) => (
                <Table.Tr key={g.id}>
                  <Table.Td>{g.scope.map((o) => t(`supportAccess.object_${o}`)).join(', ')}</Table.Td>
                  <Table.Td>{g.reason}</Table.Td>
                  <Table.Td>{g.createdBy?.name ?? '—'}</Table.Td>
                  <Table.Td>{date(g.expiresAt)}</Table.Td>
                  <Table.Td>
                    <Badge color={g.status === 'active' ? 'teal' : 'gray'} variant="light" tt="none">
                      {t(`supportAccess.status_${g.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {g.status === 'active' && (
                      <Button size="xs" color="red" variant="light" onClick={() => setRevoking(g)}>
                        {t('supportAccess.revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <Section title={t('supportAccess.accessesTitle')} intro={t('supportAccess.accessesIntro')}>
        {accesses.isPending ? (
          <Loading />
        ) : accesses.isError ? (
          <ErrorAlert error={accesses.error} />
        ) : rows.length === 0 ? (
          <Text c="dimmed">{t('supportAccess.noAccesses')}</Text>
        ) : (
          <>
            <Table striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('supportAccess.when')}</Table.Th>
                  <Table.Th>{t('supportAccess.operator')}</Table.Th>
                  <Table.Th>{t('supportAccess.object')}</Table.Th>
                  <Table.Th>{t('supportAccess.what')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((a) => (
                  <Table.Tr key={a.id}>
                    <Table.Td>{date(a.occurredAt)}</Table.Td>
                    <Table.Td>{a.operator.name ?? a.operator.id}</Table.Td>
                    <Table.Td>{t(`supportAccess.object_${a.object as TSupportObject}`)}</Table.Td>
                    <Table.Td>
                      {a.action === 'read'
                        ? t('supportAccess.readOne', { id: a.recordId })
                        : t('supportAccess.readList')}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {accesses.hasNextPage && (
              <Group>
                <Button
                  variant="default"
                  onClick={() => void accesses.fetchNextPage()}
                  loading={accesses.isFetchingNextPage}
                >
                  {t('supportAccess.more')}
                </Button>
              </Group>
            )}
          </>
        )}
      </Section>
      <ConfirmDialog
        opened={revoking !== null}
        title={t('supportAccess.revoke')}
        text={t('supportAccess.revokeConfirm')}
        confirmLabel={t('supportAccess.revoke')}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
        loading={revoke.isPending}
        error={revoke.error}
      />
    </Page>
  );
}
