import { Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import type { TNotice } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert, Loading } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';

const route = getRouteApi('/privacy/$workspaceId/notice');

/** A workspace's privacy notice with its appendix (categories, occasions, legal basis,
 *  retention), for anyone: linked from consent emails. */
export function PublicNoticePage() {
  const { t } = useTranslation();
  const { workspaceId } = route.useParams();
  const notice = useQuery({
    queryKey: ['public-notice', workspaceId],
    queryFn: () => api<TNotice & { workspace: string }>(`/api/public/privacy/${workspaceId}/notice`),
  });
  return (
    <AuthLayout title={t('privacyEngine.noticeTitle')} width={900}>
      {notice.isPending ? (
        <Loading />
      ) : notice.isError ? (
        <ErrorAlert error={notice.error} />
      ) : (
        <Stack>
          <Text size="sm" c="dimmed">
            {notice.data.workspace} ·{' '}
            {t('privacyEngine.noticeCurrent', {
              version: notice.data.version,
              at: formatDateTime(notice.data.publishedAt),
            })}
          </Text>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{notice.data.body}</Text>
          <Title order={2} size="h4">
            {t('privacyEngine.appendixTitle')}
          </Title>
          <Table.ScrollContainer minWidth={700}>
            <Table withTableBorder fz="sm" aria-label={t('privacyEngine.appendixTitle')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
                  <Table.Th>{t('privacyEngine.categories')}</Table.Th>
                  <Table.Th>{t('privacyEngine.occasions')}</Table.Th>
                  <Table.Th>{t('privacyEngine.legalBasis')}</Table.Th>
                  <Table.Th>{t('privacyEngine.retention')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {notice.data.appendix.map((a) => (
                  <Table.Tr key={a.purposeKey}>
                    <Table.Td>{a.purpose}</Table.Td>
                    <Table.Td>{a.categories.join(', ')}</Table.Td>
                    <Table.Td>{a.occasions.join('; ')}</Table.Td>
                    <Table.Td>{a.legalBasis}</Table.Td>
                    <Table.Td>{a.retention}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </AuthLayout>
  );
}
