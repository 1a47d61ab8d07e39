import { Alert, Badge, Button, Group, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TRetentionForecast, TRetentionRule, TRetentionRuleList, TTerminationState } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';

const rulesQuery = {
  queryKey: ['retention', 'rules'],
  queryFn: () => api<TRetentionRuleList>('/api/privacy/retention/rules'),
};
const forecastQuery = {
  queryKey: ['retention', 'forecast'],
  queryFn: () => api<TRetentionForecast>('/api/privacy/retention/forecast'),
};
const terminationQuery = {
  queryKey: ['retention', 'termination'],
  queryFn: () => api<TTerminationState>('/api/privacy/retention/termination'),
};

/** One rule's period: a number field inside the legal bounds, save and back to default. */
function PeriodEditor({ rule }: { rule: TRetentionRule }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [days, setDays] = useState<number | string>(rule.days);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['retention'] });
  const save = useMutation({
    mutationFn: () =>
      api<TRetentionRule>(`/api/privacy/retention/rules/${encodeURIComponent(rule.key)}`, {
        method: 'PUT',
        body: { days: Number(days) },
      }),
    onSuccess: refresh,
  });
  const reset = useMutation({
    mutationFn: () =>
      api<TRetentionRule>(`/api/privacy/retention/rules/${encodeURIComponent(rule.key)}`, { method: 'DELETE' }),
    onSuccess: async (r) => {
      setDays(r.days);
      await refresh();
    },
  });
  if (!rule.editable) return <Text size="sm">{t('retention.days', { count: rule.days })}</Text>;
  return (
    <Stack gap={4}>
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <NumberInput
          aria-label={t('retention.periodOf', { rule: rule.title })}
          value={days}
          onChange={setDays}
          min={rule.minDays}
          max={rule.maxDays}
          allowDecimal={false}
          w={110}
          size="xs"
          error={fieldError(save.error, 'days')}
        />
        <Button size="xs" onClick={() => save.mutate()} loading={save.isPending}>
          {t('retention.save')}
        </Button>
        {rule.overridden && (
          <Button size="xs" variant="default" onClick={() => reset.mutate()} loading={reset.isPending}>
            {t('retention.reset')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={save.error} hideWhenFields />
      <ErrorAlert error={reset.error} />
    </Stack>
  );
}

function statusColor(s: TRetentionRule['status']) {
  return s === 'enforced' ? 'teal' : s === 'elsewhere' ? 'blue' : 'gray';
}

function Termination({ workspaceName }: { workspaceName?: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const state = useQuery(terminationQuery);
  const [name, setName] = useState('');
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['retention'] });
  const terminate = useMutation({
    mutationFn: () =>
      api<TTerminationState>('/api/privacy/retention/termination', { method: 'POST', body: { confirmName: name } }),
    onSuccess: async () => {
      setConfirming(false);
      await refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: () => api<TTerminationState>('/api/privacy/retention/termination', { method: 'DELETE' }),
    onSuccess: refresh,
  });
  if (state.isPending) return <Loading />;
  if (state.isError) return <ErrorAlert error={state.error} />;
  const tn = state.data.termination;
  return (
    <Section title={t('retention.terminationTitle')} intro={t('retention.terminationIntro')}>
      {tn ? (
        <Stack>
          <Alert color="red" title={t('retention.terminated')}>
            {t('retention.deleteAfter', { date: new Date(tn.deleteAfter).toLocaleString() })}
          </Alert>
          <Group>
            <Button variant="default" onClick={() => cancel.mutate()} loading={cancel.isPending}>
              {t('retention.cancelTermination')}
            </Button>
          </Group>
          <ErrorAlert error={cancel.error} />
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setConfirming(true);
          }}
        >
          <Group align="flex-end">
            <TextInput
              label={t('retention.confirmName')}
              description={workspaceName}
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              error={fieldError(terminate.error, 'confirmName')}
            />
            <Button type="submit" color="red">
              {t('retention.terminate')}
            </Button>
          </Group>
        </form>
      )}
      <ConfirmDialog
        opened={confirming}
        title={t('retention.terminate')}
        text={t('retention.terminateConfirm')}
        confirmLabel={t('retention.terminate')}
        onConfirm={() => terminate.mutate()}
        onClose={() => setConfirming(false)}
        loading={terminate.isPending}
        error={terminate.error}
      />
    </Section>
  );
}

/** Retention (P-RET-1, P-ACC-5): the rules with their defaults and bounds, the forecast, termination. */
export function RetentionPage() {
  const { t } = useTranslation();
  const rules = useQuery(rulesQuery);
  const forecast = useQuery(forecastQuery);
  const titleOf = new Map((rules.data?.items ?? []).map((r) => [r.key, r.title]));
  const count = (n: number | null, capped: boolean, cap: number) =>
    n === null ? '—' : capped && n >= cap ? `${cap.toLocaleString()}+` : n.toLocaleString();

  return (
    <Page title={t('retention.title')} intro={t('retention.intro')} wide>
      <Section title={t('retention.rulesTitle')} intro={t('retention.rulesIntro')}>
        {rules.isPending ? (
          <Loading />
        ) : rules.isError ? (
          <ErrorAlert error={rules.error} />
        ) : (
          <Table striped withTableBorder verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('retention.rule')}</Table.Th>
                <Table.Th>{t('retention.category')}</Table.Th>
                <Table.Th>{t('retention.action')}</Table.Th>
                <Table.Th>{t('retention.period')}</Table.Th>
                <Table.Th>{t('retention.bounds')}</Table.Th>
                <Table.Th>{t('retention.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rules.data.items.map((r) => (
                <Table.Tr key={r.key} data-rule={r.key}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {r.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {t('retention.from', { clock: r.clock })}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {r.source}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{r.category}</Text>
                    <Text size="xs" c="dimmed">
                      {r.purpose}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{t(`retention.action_${r.action}`)}</Text>
                    {r.columns.length > 0 && (
                      <Text size="xs" c="dimmed">
                        {r.columns.join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <PeriodEditor rule={r} />
                    {r.overridden && (
                      <Text size="xs" c="dimmed">
                        {t('retention.defaultWas', { count: r.defaultDays })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{t('retention.range', { min: r.minDays, max: r.maxDays })}</Text>
                    <Text size="xs" c="dimmed">
                      {r.bounds}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColor(r.status)} variant="light" tt="none">
                      {t(`retention.status_${r.status}`)}
                    </Badge>
                    {r.honoursLegalHolds && (
                      <Text size="xs" c="dimmed">
                        {t('retention.holds')}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <Section title={t('retention.forecastTitle')} intro={t('retention.forecastIntro')}>
        {forecast.isPending ? (
          <Loading />
        ) : forecast.isError ? (
          <ErrorAlert error={forecast.error} />
        ) : (
          <Table striped withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('retention.rule')}</Table.Th>
                <Table.Th>{t('retention.period')}</Table.Th>
                <Table.Th>{t('retention.dueNow')}</Table.Th>
                <Table.Th>{t('retention.next30')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {forecast.data.items.map((i) => (
                <Table.Tr key={i.key} data-forecast={i.key}>
                  <Table.Td>
                    <Text size="sm">{titleOf.get(i.key) ?? i.key}</Text>
                    {i.note && (
                      <Text size="xs" c="dimmed">
                        {i.note}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{t('retention.days', { count: i.days })}</Table.Td>
                  <Table.Td>{count(i.dueNow, i.capped, forecast.data.cap)}</Table.Td>
                  <Table.Td>{count(i.next30Days, i.capped, forecast.data.cap)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <Termination />
    </Page>
  );
}
