import { Alert, Box, Button, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Fact, Facts } from '../../components/facts.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { describeError } from '../../lib/i18n.ts';
import { CustomFieldsFacts } from '../custom-fields/custom-field-input.tsx';
import { FilesSection } from '../files/files-section.tsx';
import { findInLists, useCanWrite, useTeamOptions } from '../people/people.api.ts';
import { RecordTasks } from '../tasks/record-tasks.tsx';
import { TimelineSection } from '../timeline/timeline-section.tsx';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { CompanyName, MoveSelect, PersonName, StatusBadge } from './deal-bits.tsx';
import {
  boardQuery,
  dealHistoryQuery,
  dealQuery,
  deleteDeal,
  formatMoney,
  pipelinesQuery,
  type TDeal,
} from './deals.api.ts';
import { useMoveDeal } from './use-move-deal.ts';

const route = getRouteApi('/app/deals/$dealId');

export function DealDetailPage() {
  const { t } = useTranslation();
  const { dealId } = route.useParams();
  const queryClient = useQueryClient();
  const deal = useQuery({
    ...dealQuery(dealId),
    placeholderData: () => findInLists<TDeal>(queryClient, 'deals', dealId) ?? findOnBoards(dealId),
  });
  function findOnBoards(id: string): TDeal | undefined {
    for (const [, board] of queryClient.getQueriesData<{ stages: { items: TDeal[] }[] }>({
      queryKey: ['deals', 'board'],
    })) {
      const hit = board?.stages.flatMap((c) => c.items).find((d) => d.id === id);
      if (hit) return hit;
    }
    return undefined;
  }
  if (deal.isPending) return <Loading />;
  if (deal.isError) {
    return (
      <Page title={t('deals.title')}>
        <ErrorAlert error={deal.error} />
        <AnchorLink to="/deals">{t('deals.backToList')}</AnchorLink>
      </Page>
    );
  }
  return <DealDetail deal={deal.data} />;
}

function DealDetail({ deal: d }: { deal: TDeal }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [confirming, setConfirming] = useState(false);
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const pipelines = useQuery(pipelinesQuery);
  const history = useQuery(dealHistoryQuery(d.id));
  const move = useMoveDeal(d.pipelineId);
  const pipeline = pipelines.data?.find((p) => p.id === d.pipelineId);
  const stageName = (id: string | null) => (id ? (pipeline?.stages.find((s) => s.id === id)?.name ?? '—') : '—');
  const memberName = (id: string | null) => {
    const m = id ? members.data?.find((x) => x.userId === id) : undefined;
    return m ? m.name || m.email : '—';
  };
  const team = teams.find((x) => x.value === d.teamId);
  const stage = pipeline?.stages.find((s) => s.id === d.stageId);

  const remove = useMutation({
    mutationFn: () => deleteDeal(d.id),
    onSuccess: async () => {
      setConfirming(false);
      queryClient.removeQueries({ queryKey: dealQuery(d.id).queryKey });
      await queryClient.invalidateQueries({ queryKey: boardQuery(d.pipelineId).queryKey });
      await queryClient.invalidateQueries({ queryKey: ['deals', 'list'] });
      await queryClient.invalidateQueries({ queryKey: ['trash'] });
      await navigate({ to: '/deals', search: { pipelineId: d.pipelineId, deleted: d.name, deletedId: d.id } });
    },
  });

  return (
    <Page
      title={d.name}
      intro={pipeline ? `${pipeline.name} · ${stageName(d.stageId)}` : undefined}
      actions={
        canWrite && (
          <Group gap="xs">
            <ButtonLink variant="default" to="/deals/$dealId/edit" params={{ dealId: d.id }}>
              {t('records.edit')}
            </ButtonLink>
            <Button
              variant="light"
              color="red"
              onClick={() => {
                remove.reset();
                setConfirming(true);
              }}
            >
              {t('common.delete')}
            </Button>
          </Group>
        )
      }
    >
      <AnchorLink to="/deals" search={{ pipelineId: d.pipelineId }} fz="sm" w="fit-content">
        {t('deals.backToList')}
      </AnchorLink>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('deals.details')}>
          <Facts>
            <Fact label={t('deals.amount')}>{formatMoney(d.amount, d.currency)}</Fact>
            <Fact label={t('deals.stage')}>
              <Group gap="xs">
                {stageName(d.stageId)}
                <StatusBadge status={d.status} />
              </Group>
            </Fact>
            <Fact label={t('deals.expectedClose')}>
              {d.expectedCloseDate ? formatDate(`${d.expectedCloseDate}T12:00:00`) : '—'}
            </Fact>
            <Fact label={t('deals.probability')}>
              {d.probability !== null
                ? `${d.probability} %`
                : stage
                  ? t('deals.stageProbability', { value: stage.probability })
                  : '—'}
            </Fact>
            {d.closedAt && <Fact label={t('deals.closedAt')}>{formatDateTime(d.closedAt)}</Fact>}
            <Fact label={t('records.company')}>
              <CompanyName id={d.companyId} link />
            </Fact>
            <Fact label={t('deals.people')}>
              {d.personIds.length ? (
                <Stack gap={2}>
                  {d.personIds.map((id) => (
                    <Box key={id}>
                      <PersonName id={id} link />
                    </Box>
                  ))}
                </Stack>
              ) : (
                '—'
              )}
            </Fact>
          </Facts>
          <CustomFieldsFacts object="deal" values={d.customFields} />
        </Section>
        <Section title={t('records.access')}>
          <Facts>
            <Fact label={t('records.owner')}>{memberName(d.ownerId)}</Fact>
            <Fact label={t('records.visibility')}>
              {t(`visibility.${d.visibility}`)}
              {d.visibility === 'team' && team ? ` (${team.label})` : ''}
            </Fact>
            <Fact label={t('common.created')}>{formatDateTime(d.createdAt)}</Fact>
            <Fact label={t('records.updated')}>{formatDateTime(d.updatedAt)}</Fact>
          </Facts>
        </Section>
      </SimpleGrid>
      <Section title={t('deals.history')}>
        {canWrite && pipeline && (
          <Box maw={260}>
            <MoveSelect deal={d} stages={pipeline.stages} onMove={(stageId) => move.mutate({ deal: d, stageId })} />
          </Box>
        )}
        {Boolean(move.error) && (
          <Alert color="red" role="alert">
            {t('deals.moveFailed', { error: describeError(move.error) })}
          </Alert>
        )}
        {history.isPending ? (
          <Loading />
        ) : history.isError ? (
          <ErrorAlert error={history.error} />
        ) : (
          <Table verticalSpacing={4} fz="sm" striped aria-label={t('deals.history')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('deals.when')}</Table.Th>
                <Table.Th>{t('deals.from')}</Table.Th>
                <Table.Th>{t('deals.to')}</Table.Th>
                <Table.Th>{t('deals.by')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {[...history.data].reverse().map((h) => (
                <Table.Tr key={`${h.movedAt}-${h.stageId}`}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(h.movedAt)}</Table.Td>
                  <Table.Td>{h.fromStageId ? stageName(h.fromStageId) : t('deals.created')}</Table.Td>
                  <Table.Td>{stageName(h.stageId)}</Table.Td>
                  <Table.Td>{memberName(h.movedBy)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {history.data?.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('deals.noHistory')}
          </Text>
        )}
      </Section>
      <FilesSection kind="deal" recordId={d.id} />
      <TimelineSection kind="deal" recordId={d.id} />
      <RecordTasks dealId={d.id} />
      <ConfirmDialog
        opened={confirming}
        title={t('deals.deleteTitle')}
        text={t('records.deleteText', { name: d.name, date: formatDate(Date.now() + 30 * 86_400_000) })}
        confirmLabel={t('records.moveToTrash')}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirming(false)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}
