import { Badge, Code, Group, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import type { TErasureCertificate } from './erasure.api.ts';

/** An erasure certificate: what was deleted, anonymised or kept (and under which hold). */
export function CertificateView({ certificate: c }: { certificate: TErasureCertificate }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" aria-label={t('erasure.certificate')}>
      <Group gap="xs">
        <Badge color={c.state === 'complete' ? 'green' : 'orange'}>{t(`erasure.state.${c.state}`)}</Badge>
        <Text size="sm">{formatDateTime(c.erasedAt)}</Text>
        {c.heldUntil ? <Text size="sm">{t('erasure.heldUntil', { date: formatDate(c.heldUntil) })}</Text> : null}
      </Group>
      <Text size="sm">
        {t('erasure.reference')}: <Code>{c.personId}</Code>
        {c.requestId ? (
          <>
            {' · '}
            {t('erasure.request')}: <Code>{c.requestId}</Code>
          </>
        ) : null}
      </Text>
      <Text size="sm">{t('erasure.tombstones', { emails: c.tombstones.emails, phones: c.tombstones.phones })}</Text>
      <Table striped withTableBorder aria-label={t('erasure.tables')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('erasure.table')}</Table.Th>
            <Table.Th>{t('erasure.how')}</Table.Th>
            <Table.Th>{t('erasure.rows')}</Table.Th>
            <Table.Th>{t('erasure.details')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {c.entries.map((e) => (
            <Table.Tr key={`${e.table}-${e.action}-${e.hold?.id ?? ''}`}>
              <Table.Td>
                <Code>{e.table}</Code>
              </Table.Td>
              <Table.Td>{t(`erasure.action.${e.action}`)}</Table.Td>
              <Table.Td>{e.rows}</Table.Td>
              <Table.Td>
                {e.hold
                  ? t('erasure.underHold', {
                      reason: t(`erasure.reason.${e.hold.reason}`, { defaultValue: e.hold.reason }),
                      until: e.hold.until ? formatDate(e.hold.until) : t('erasure.openEnded'),
                    })
                  : null}
                {e.fields?.length ? ` ${t('erasure.fields')}: ${e.fields.join(', ')}` : null}
                {e.note ? ` ${e.note}` : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {c.audit ? (
        <Text size="xs" c="dimmed">
          {t('erasure.signed', { seq: c.audit.seq })} <Code>{c.audit.hash.slice(0, 16)}…</Code>
        </Text>
      ) : null}
    </Stack>
  );
}
