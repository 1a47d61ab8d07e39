import { Button, Group, List, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { noticeQuery, registerQuery } from './consent.api.ts';
import './register.print.css';

/** The register of processing (GDPR art. 30) and the notice appendix, printable. */
export function RegisterPage() {
  const { t } = useTranslation();
  const register = useQuery(registerQuery);
  const notice = useQuery(noticeQuery);
  return (
    <Page
      title={t('privacyEngine.registerTitle')}
      intro={t('privacyEngine.registerIntro')}
      wide
      actions={
        <Button className="no-print" onClick={() => window.print()}>
          {t('privacyEngine.print')}
        </Button>
      }
    >
      {register.isPending ? (
        <Loading />
      ) : register.isError ? (
        <ErrorAlert error={register.error} />
      ) : (
        <Stack gap="lg" className="printable-register">
          <Text size="sm">
            {t('privacyEngine.registerFor', {
              name: register.data.workspace.name,
              at: formatDateTime(register.data.generatedAt),
            })}
          </Text>
          <Table withTableBorder fz="sm" aria-label={t('privacyEngine.registerTitle')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
                <Table.Th>{t('privacyEngine.legalBasis')}</Table.Th>
                <Table.Th>{t('privacyEngine.categories')}</Table.Th>
                <Table.Th>{t('privacyEngine.occasions')}</Table.Th>
                <Table.Th>{t('privacyEngine.retention')}</Table.Th>
                <Table.Th>{t('privacyEngine.objectable')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {register.data.entries.map((e) => (
                <Table.Tr key={e.purpose.key}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {e.purpose.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {e.purpose.key}
                    </Text>
                  </Table.Td>
                  <Table.Td>{t(`privacyEngine.basis.${e.purpose.legalBasis}`)}</Table.Td>
                  <Table.Td>
                    <List size="xs">
                      {e.categories.map((c) => (
                        <List.Item key={c.key}>{c.description}</List.Item>
                      ))}
                    </List>
                  </Table.Td>
                  <Table.Td>
                    <List size="xs">
                      {e.occasions.map((o) => (
                        <List.Item key={o.table}>{o.description}</List.Item>
                      ))}
                    </List>
                  </Table.Td>
                  <Table.Td>{e.purpose.retention}</Table.Td>
                  <Table.Td>{e.purpose.objectable ? t('common.yes') : t('common.no')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={2} size="h4">
            {t('privacyEngine.subProcessors')}
          </Title>
          <Table withTableBorder fz="sm" aria-label={t('privacyEngine.subProcessors')}>
            <Table.Tbody>
              {register.data.subProcessors.map((s) => (
                <Table.Tr key={s.name}>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td>{s.purpose}</Table.Td>
                  <Table.Td>{s.region}</Table.Td>
                  <Table.Td>{s.safeguard}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {register.data.notes.map((n) => (
            <Text key={n} size="xs" c="dimmed">
              {n}
            </Text>
          ))}
          {notice.data && (
            <Stack gap="xs">
              <Title order={2} size="h4">
                {t('privacyEngine.noticeTitle')} (v{notice.data.version})
              </Title>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {notice.data.body}
              </Text>
            </Stack>
          )}
          <Group className="no-print" />
        </Stack>
      )}
    </Page>
  );
}
