import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  MultiSelect,
  NativeSelect,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  API_KEY_SCOPES,
  type TApiKey,
  type TApiKeyList,
  type TCreatedApiKey,
  WORKSPACE_ROLES,
} from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';

const keysQuery = { queryKey: ['api-keys'], queryFn: () => api<TApiKeyList>('/api/v1/api-keys') };

/** Shows a secret once, with a copy button. */
export function ShownOnce({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="yellow" title={label}>
      <Group>
        <Code data-testid="shown-once">{value}</Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="xs" onClick={copy}>
              {copied ? t('integrations.copied') : t('integrations.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Alert>
  );
}

export function ApiKeysPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const keys = useQuery(keysQuery);
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('member');
  const [scopes, setScopes] = useState<string[]>(['people:read']);
  const [expires, setExpires] = useState('');
  const [revoking, setRevoking] = useState<TApiKey | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<TCreatedApiKey>('/api/v1/api-keys', {
        method: 'POST',
        body: { name, role, scopes, expiresAt: expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null },
      }),
    onSuccess: async () => {
      setName('');
      await queryClient.invalidateQueries({ queryKey: keysQuery.queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (k: TApiKey) => api<TApiKey>(`/api/v1/api-keys/${k.id}`, { method: 'DELETE' }),
    onSuccess: async () => {
      setRevoking(null);
      await queryClient.invalidateQueries({ queryKey: keysQuery.queryKey });
    },
  });
  const date = (v: string | null) => (v ? new Date(v).toLocaleString() : t('integrations.never'));

  return (
    <Page title={t('integrations.apiKeysTitle')} intro={t('integrations.apiKeysIntro')} wide>
      <Section title={t('integrations.createKey')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Group align="flex-end">
            <TextInput
              label={t('integrations.keyName')}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              error={fieldError(create.error, 'name')}
            />
            <NativeSelect
              label={t('integrations.keyRole')}
              value={role}
              onChange={(e) => setRole(e.currentTarget.value)}
              data={WORKSPACE_ROLES.map((r) => ({ value: r, label: t(`integrations.role_${r}`) }))}
              error={fieldError(create.error, 'role')}
            />
            <MultiSelect
              label={t('integrations.keyScopes')}
              data={[...API_KEY_SCOPES]}
              value={scopes}
              onChange={setScopes}
              searchable
              miw={280}
              error={fieldError(create.error, 'scopes')}
            />
            <TextInput
              type="date"
              label={t('integrations.keyExpires')}
              value={expires}
              onChange={(e) => setExpires(e.currentTarget.value)}
              error={fieldError(create.error, 'expiresAt')}
            />
            <Button type="submit" loading={create.isPending}>
              {t('integrations.createKey')}
            </Button>
          </Group>
          <ErrorAlert error={create.error} hideWhenFields />
        </form>
        {create.data && <ShownOnce label={t('integrations.keyCreated')} value={create.data.key} />}
      </Section>
      {keys.isPending ? (
        <Loading />
      ) : keys.isError ? (
        <ErrorAlert error={keys.error} />
      ) : keys.data.items.length === 0 ? (
        <Text c="dimmed">{t('integrations.noKeys')}</Text>
      ) : (
        <Table striped withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('integrations.keyName')}</Table.Th>
              <Table.Th>{t('integrations.prefix')}</Table.Th>
              <Table.Th>{t('integrations.keyRole')}</Table.Th>
              <Table.Th>{t('integrations.keyScopes')}</Table.Th>
              <Table.Th>{t('integrations.lastUsed')}</Table.Th>
              <Table.Th>{t('integrations.status')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.data.items.map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>
                  <Code>{k.prefix}_…</Code>
                </Table.Td>
                <Table.Td>{t(`integrations.role_${k.role}`)}</Table.Td>
                <Table.Td>{k.scopes.join(', ')}</Table.Td>
                <Table.Td>{date(k.lastUsedAt)}</Table.Td>
                <Table.Td>{t(`integrations.status_${k.status}`)}</Table.Td>
                <Table.Td>
                  {k.status !== 'revoked' && (
                    <Button size="xs" color="red" variant="light" onClick={() => setRevoking(k)}>
                      {t('integrations.revoke')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmDialog
        opened={revoking !== null}
        title={t('integrations.revokeTitle')}
        text={t('integrations.revokeText')}
        confirmLabel={t('integrations.revoke')}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
        loading={revoke.isPending}
        error={revoke.error}
      />
    </Page>
  );
}
