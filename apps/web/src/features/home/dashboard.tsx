import { Group, NativeSelect, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Section } from '../../components/ui.tsx';
import { describeError } from '../../lib/i18n.ts';
import { formatMoney } from '../../lib/money.ts';
import { pipelinesQuery } from '../deals/deals.api.ts';
import { HorizontalBars, PairedColumns } from './bar-chart.tsx';
import { pipelineDashboardQuery, type TCurrencyTotal, wonLostQuery } from './dashboard.api.ts';

const sums = (totals: TCurrencyTotal[], language: string) =>
  totals.map((x) => formatMoney(x.amount, x.currency, language)).join(' + ') || '—';

/** The home page's charts: open value by stage of a pipeline, and deals won and lost per month. */
export function Dashboard() {
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <PipelineValue />
      <WonLost />
    </SimpleGrid>
  );
}

function PipelineValue() {
  const { t, i18n } = useTranslation();
  const pipelines = useQuery(pipelinesQuery);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const data = useQuery(pipelineDashboardQuery(pipelineId));
  const lang = i18n.language;
  const open = (data.data?.stages ?? []).filter((s) => s.kind === 'open');
  const currencies = [...new Set(open.flatMap((s) => s.totals.map((x) => x.currency)))].sort();
  return (
    <Section title={t('dashboard.pipelineTitle')} intro={t('dashboard.onlyVisible')}>
      {(pipelines.data?.length ?? 0) > 1 && (
        <NativeSelect
          label={t('dashboard.pipeline')}
          value={pipelineId ?? data.data?.pipelineId ?? ''}
          onChange={(e) => setPipelineId(e.currentTarget.value)}
          data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          w="fit-content"
        />
      )}
      {data.error && (
        <Text size="sm" c="red" role="alert">
          {describeError(data.error)}
        </Text>
      )}
      {data.isSuccess && currencies.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('dashboard.noOpenDeals')}
        </Text>
      )}
      <Stack gap="md" data-testid="pipeline-chart">
        {currencies.map((cur) => (
          <Stack key={cur} gap={4}>
            <Text size="sm" fw={600}>
              {cur}
            </Text>
            <HorizontalBars
              caption={t('dashboard.pipelineChart', { currency: cur })}
              bars={open.map((s) => {
                const x = s.totals.find((tot) => tot.currency === cur);
                const count = x?.count ?? 0;
                return {
                  label: s.name,
                  value: x?.amount ?? 0,
                  text: `${formatMoney(x?.amount ?? 0, cur, lang)} · ${t('dashboard.deals', { count })}`,
                };
              })}
            />
          </Stack>
        ))}
      </Stack>
    </Section>
  );
}

function WonLost() {
  const { t, i18n } = useTranslation();
  const data = useQuery(wonLostQuery);
  const lang = i18n.language;
  const months = data.data?.months ?? [];
  const count = (list: TCurrencyTotal[]) => list.reduce((n, x) => n + x.count, 0);
  const any = months.some((m) => m.won.length || m.lost.length);
  const monthName = (key: string) =>
    new Intl.DateTimeFormat(lang, { month: 'short', timeZone: 'UTC' }).format(new Date(`${key}-01T00:00:00Z`));
  const longMonth = (key: string) =>
    new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${key}-01T00:00:00Z`),
    );
  const won = 'var(--mantine-color-teal-6)';
  const lost = 'var(--mantine-color-red-5)';
  return (
    <Section title={t('dashboard.wonLostTitle')} intro={t('dashboard.onlyVisible')}>
      {data.error && (
        <Text size="sm" c="red" role="alert">
          {describeError(data.error)}
        </Text>
      )}
      {data.isSuccess && !any && (
        <Text size="sm" c="dimmed">
          {t('dashboard.noClosedDeals')}
        </Text>
      )}
      {data.isSuccess && (
        <Stack gap={6} data-testid="won-lost-chart">
          <PairedColumns
            caption={t('dashboard.wonLostChart')}
            colors={[won, lost]}
            columns={months.map((m) => ({
              label: monthName(m.month),
              a: count(m.won),
              b: count(m.lost),
              title: t('dashboard.monthSummary', {
                month: longMonth(m.month),
                won: `${t('dashboard.deals', { count: count(m.won) })} (${sums(m.won, lang)})`,
                lost: `${t('dashboard.deals', { count: count(m.lost) })} (${sums(m.lost, lang)})`,
              }),
            }))}
          />
          <Group gap="md">
            <Legend color={won} label={t('dashboard.won')} />
            <Legend color={lost} label={t('dashboard.lost')} />
          </Group>
        </Stack>
      )}
    </Section>
  );
}

function Legend({ color, label }: { color: string; label: string }) {
  return (
    <Group gap={6}>
      <svg width="12" height="12" aria-hidden="true">
        <rect width="12" height="12" rx="2" fill={color} />
      </svg>
      <Text size="sm">{label}</Text>
    </Group>
  );
}
