import { Progress, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Section } from '../../components/ui.tsx';
import { i18n } from '../../lib/i18n.ts';
import { formatSize, storageUsageQuery } from './files.api.ts';

/** The workspace's file storage against its quota (workspace settings). */
export function StorageUsage() {
  const { t } = useTranslation();
  const usage = useQuery(storageUsageQuery);
  return (
    <Section title={t('files.storage')}>
      {usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <ErrorAlert error={usage.error} />
      ) : (
        <Stack gap={6}>
          <Progress
            value={
              usage.data.quotaBytes > 0 ? Math.min(100, (usage.data.usedBytes / usage.data.quotaBytes) * 100) : 100
            }
            aria-label={t('files.storage')}
          />
          <Text size="sm">
            {t('files.usage', {
              used: formatSize(usage.data.usedBytes, i18n.language),
              quota: formatSize(usage.data.quotaBytes, i18n.language),
              count: usage.data.fileCount,
            })}
          </Text>
          <Text size="xs" c="dimmed">
            {t('files.maxFile', { size: formatSize(usage.data.maxFileBytes, i18n.language) })}
          </Text>
        </Stack>
      )}
    </Section>
  );
}
