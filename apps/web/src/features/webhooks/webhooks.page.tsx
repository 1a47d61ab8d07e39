import { Badge, Button, Group, MultiSelect, Paper, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type TCreatedWebhook,
  type TWebhook,
  type TWebhookDeliveryList,
  type TWebhookList,
  WEBHOOK_EVENT_TYPES,
} from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';
import { ShownOnce } from '../api-keys/api-keys.page.tsx';

const hooksQuery = { queryKey: ['webhooks'], queryFn: () => api<TWebhookList>('/api/v1/webhooks') };

function Deliveries({ hook }: { hook: TWebhook }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const key = ['webhooks', hook.id, 'deliveries'];
  const log = useQuery({
    queryKey: key,
    queryFn: () => api<TWebhookDeliveryList>(`/api/v1/webhooks/${hook.id}/deliveries`),
    refetchInterval: 5000,
  });
  const resend = useMutation({
    mutationFn: (deliveryId: string) =>
      api(`/api/v1/webhooks/${hook.id}/deliveries/${deliveryId}/resend`, { method: 'POST', body: {} }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  if (log.isPending) return <Loading />;
  if (log.isError) return <ErrorAlert error={log.error} />;
  if (log.data.items.length === 0) return <Text c="dimmed">{t('integrations.noDeliveries')}</Text>;
  const when = (v: string | null) => (v ? new Date(v).toLocaleString() : '—');
  return (
    <>
      <Table striped withTableBorder aria-label={t('integrations.deliveries')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('integrations.when')}</Table.Th>
            <Table.Th>{t('integrations.event')}</Table.Th>
            <Table.Th>{t('integrations.status')}</Table.Th>
            <Table.Th>{t('integrations.response')}</Table.Th>
            <Table.Th>{t('integrations.duration')}</Table.Th>
            <Table.Th>{t('integrations.attempts')}</Table.Th>
            <Table.Th>{t('integrations.nextRetry')}</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {log.data.items.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{when(d.lastAttemptAt ?? d.createdAt)}</Table.Td>
              <Table.Td>{d.eventType}</Table.Td>
              <Table.Td>
                <Badge color={d.status === 'succeeded' ? 'green' : d.status === 'failed' ? 'red' : 'gray'}>
                  {t(`integrations.dstatus_${d.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td title={d.responseBody ?? d.error ?? ''}>{d.responseStatus ?? d.error ?? '—'}</Table.Td>
              <Table.Td>{d.durationMs === null ? '—' : `${d.durationMs} ms`}</Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>{when(d.nextAttemptAt)}</Table.Td>
              <Table.Td>
                <Button size="xs" variant="light" onClick={() => resend.mutate(d.id)} loading={resend.isPending}>
                  {t('integrations.resend')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <ErrorAlert error={resend.error} />
    </>
  );
}

export function WebhooksPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const hooks = useQuery(hooksQuery);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['person.created', 'person.updated', 'person.deleted']);
  const [deleting, setDeleting] = useState<TWebhook | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: hooksQuery.queryKey });
  const create = useMutation({
    mutationFn: () => api<TCreatedWebhook>('/api/v1/webhooks', { method: 'POST', body: { url, events } }),
    onSuccess: async () => {
      setUrl('');
      await refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: (h: TWebhook) => api(`/api/v1/webhooks/${h.id}`, { method: 'PATCH', body: { active: !h.active } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (h: TWebhook) => api(`/api/v1/webhooks/${h.id}`, { method: 'DELETE' }),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });

  return (
    <Page title={t('integrations.webhooksTitle')} intro={t('integrations.webhooksIntro')} wide>
      <Section title={t('integrations.createWebhook')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Group align="flex-end">
            <TextInput
              label={t('integrations.url')}
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              required
              miw={320}
              error={fieldError(create.error, 'url')}
            />
            <MultiSelect
              label={t('integrations.events')}
              data={[...WEBHOOK_EVENT_TYPES]}
              value={events}
              onChange={setEvents}
              miw={320}
              error={fieldError(create.error, 'events')}
            />
            <Button type="submit" loading={create.isPending}>
              {t('integrations.createWebhook')}
            </Button>
          </Group>
          <ErrorAlert error={create.error} hideWhenFields />
        </form>
        {create.data && <ShownOnce label={t('integrations.secretCreated')} value={create.data.secret} />}
      </Section>
      {hooks.isPending ? (
        <Loading />
      ) : hooks.isError ? (
        <ErrorAlert error={hooks.error} />
      ) : hooks.data.items.length === 0 ? (
        <Text c="dimmed">{t('integrations.noWebhooks')}</Text>
      ) : (
        <Stack>
          {hooks.data.items.map((h) => (
            <Paper key={h.id} withBorder p="md">
              <Stack gap="sm">
                <Group justify="space-between">
                  <Text fw={600}>{h.url}</Text>
                  <Group>
                    <Switch label={t('integrations.active')} checked={h.active} onChange={() => toggle.mutate(h)} />
                    <Button size="xs" color="red" variant="light" onClick={() => setDeleting(h)}>
                      {t('integrations.deleteWebhook')}
                    </Button>
                  </Group>
                </Group>
                <Text size="sm">{h.events.join(', ')}</Text>
                {h.disabledReason && (
                  <Text size="sm" c="red">
                    {t('integrations.disabled', { reason: h.disabledReason })}
                  </Text>
                )}
                <Text fw={600} size="sm">
                  {t('integrations.deliveries')}
                </Text>
                <Deliveries hook={h} />
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
      <ConfirmDialog
        opened={deleting !== null}
        title={t('integrations.deleteWebhook')}
        text={t('integrations.deleteWebhookText')}
        confirmLabel={t('integrations.deleteWebhook')}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}
