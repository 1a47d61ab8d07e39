import { Alert, Box, Button, Group, NativeSelect, Paper, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ClickableRow,
  ColumnsMenu,
  DeletedNotice,
  LoadMore,
  SortableTh,
  type TSortState,
  useColumnChoice,
} from '../../components/data-table.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, visuallyHidden } from '../../components/ui.tsx';
import { formatDate } from '../../lib/format.ts';
import { describeError } from '../../lib/i18n.ts';
import { formatFilters, parseFilters, type TFilterField } from '../custom-fields/filters.ts';
import { FilterBar, useCustomColumns, ViewMenu } from '../custom-fields/table-view.tsx';
import { ExportMenu } from '../export/export-menu.tsx';
import { useCanWrite } from '../people/people.api.ts';
import { filterList } from '../people/people-list.page.tsx';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { CompanyName, MoveSelect, StatusBadge } from './deal-bits.tsx';
import {
  boardQuery,
  DEAL_SORTS,
  DEAL_STATUSES,
  dealsListQuery,
  formatMoney,
  formatSums,
  pipelinesQuery,
  restoreDeal,
  stagePage,
  type TBoard,
  type TDeal,
  type TDealSort,
  type TPipeline,
  type TStage,
  updateDeal,
} from './deals.api.ts';
import { useMoveDeal } from './use-move-deal.ts';

const route = getRouteApi('/app/deals');

export type TDealsSearch = {
  pipelineId?: string;
  view?: 'board' | 'table';
  /** Not `sort`: the search types of all routes meet in the router, and people's `sort` is narrower. */
  sortBy?: TTableSort;
  dir?: 'asc' | 'desc';
  /** Table filters. */
  stageId?: string;
  /** Table-view filters (`field:op:value`) and the saved view that is open. */
  filter?: string[];
  savedView?: string;
  ownerId?: string;
  status?: TDeal['status'];
  deleted?: string;
  deletedId?: string;
};

export function validateDealsSearch(s: Record<string, unknown>): TDealsSearch {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return clean({
    pipelineId: str(s.pipelineId),
    view: s.view === 'table' ? 'table' : undefined,
    sortBy:
      DEAL_SORTS.find((x) => x === s.sortBy) ??
      (typeof s.sortBy === 'string' && /^cf\.[a-z][a-z0-9_]{0,39}$/.test(s.sortBy)
        ? (s.sortBy as `cf.${string}`)
        : undefined),
    filter: filterList(s.filter),
    savedView: str(s.savedView),
    dir: s.dir === 'asc' || s.dir === 'desc' ? s.dir : undefined,
    stageId: str(s.stageId),
    ownerId: str(s.ownerId),
    status: DEAL_STATUSES.find((x) => x === s.status),
    deleted: str(s.deleted),
    deletedId: str(s.deletedId),
  });
}

function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}

export function DealsPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const search = route.useSearch();
  const pipelines = useQuery(pipelinesQuery);
  const pipeline = pipelines.data?.find((p) => p.id === search.pipelineId) ?? pipelines.data?.[0];
  const view = search.view ?? 'board';
  const setSearch = (patch: Partial<TDealsSearch>) =>
    navigate({
      to: '/deals',
      search: (prev) => clean({ ...prev, deleted: undefined, deletedId: undefined, ...patch }),
      replace: true,
    });
  const undo = useMutation({
    mutationFn: (id: string) => restoreDeal(id),
    onSuccess: async (_data, id) => {
      await queryClient.invalidateQueries({ queryKey: ['deals'] });
      await queryClient.invalidateQueries({ queryKey: ['trash'] });
      await navigate({ to: '/deals/$dealId', params: { dealId: id } });
    },
  });

  return (
    <Page
      wide
      title={t('deals.title')}
      actions={
        <Group gap="xs" align="flex-end">
          {pipelines.data && pipelines.data.length > 0 && (
            <NativeSelect
              label={t('deals.pipeline')}
              value={pipeline?.id ?? ''}
              onChange={(e) => void setSearch({ pipelineId: e.currentTarget.value, stageId: undefined })}
              data={pipelines.data.map((p) => ({ value: p.id, label: p.name }))}
              w={200}
            />
          )}
          <Button.Group>
            <Button
              variant={view === 'board' ? 'filled' : 'default'}
              aria-pressed={view === 'board'}
              onClick={() => void setSearch({ view: undefined })}
            >
              {t('deals.board')}
            </Button>
            <Button
              variant={view === 'table' ? 'filled' : 'default'}
              aria-pressed={view === 'table'}
              onClick={() => void setSearch({ view: 'table' })}
            >
              {t('deals.table')}
            </Button>
          </Button.Group>
          {canWrite && pipeline && (
            <ExportMenu
              entity="deals"
              filters={{
                pipelineId: pipeline.id,
                // The board shows every deal of the pipeline; the table its filters and sort.
                ...(view === 'table'
                  ? {
                      stageId: search.stageId,
                      ownerId: search.ownerId,
                      status: search.status,
                      filter: search.filter,
                      sort: search.sortBy ?? 'updatedAt',
                      dir: search.dir ?? 'desc',
                    }
                  : {}),
              }}
            />
          )}
          {canWrite && pipeline && (
            <ButtonLink to="/deals/new" search={{ pipelineId: pipeline.id }}>
              {t('deals.new')}
            </ButtonLink>
          )}
        </Group>
      }
    >
      {search.deleted && (
        <DeletedNotice
          name={search.deleted}
          onUndo={search.deletedId ? () => undo.mutate(search.deletedId ?? '') : undefined}
          undoing={undo.isPending}
          error={undo.error}
          trashLink={
            <AnchorLink to="/trash" fz="sm">
              {t('trash.open')}
            </AnchorLink>
          }
        />
      )}
      {pipelines.isPending ? (
        <Loading />
      ) : pipelines.isError ? (
        <ErrorAlert error={pipelines.error} />
      ) : !pipeline ? (
        <Text c="dimmed">{t('deals.noPipelines')}</Text>
      ) : view === 'board' ? (
        <Board pipeline={pipeline} canWrite={canWrite} />
      ) : (
        <DealsTable
          pipeline={pipeline}
          sort={{ sort: search.sortBy ?? 'updatedAt', dir: search.dir ?? 'desc' }}
          onSort={(s) => void setSearch({ sortBy: s.sort, dir: s.dir })}
          filters={{ stageId: search.stageId, ownerId: search.ownerId, status: search.status, filter: search.filter }}
          onFilter={(f) => void setSearch(f)}
          savedView={search.savedView}
          canWrite={canWrite}
        />
      )}
    </Page>
  );
}

const DRAG_TYPE = 'application/x-tillit-deal';

function Board({ pipeline, canWrite }: { pipeline: TPipeline; canWrite: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const board = useQuery(boardQuery(pipeline.id));
  const move = useMoveDeal(pipeline.id);
  const [dragging, setDragging] = useState<string | null>(null);
  const [over, setOver] = useState<string | null>(null);
  const [loadingStage, setLoadingStage] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  // A card moved with its select lands in another column as a new element: focus follows it.
  const refocus = useRef<{ id: string; stageId: string } | null>(null);
  useEffect(() => {
    const want = refocus.current;
    if (!want) return;
    const select = document.querySelector<HTMLSelectElement>(`[data-deal-id="${want.id}"] select`);
    if (!select?.closest(`[data-stage-id="${want.stageId}"]`)) return; // not moved yet (or moved back)
    if (document.activeElement !== select) select.focus();
    refocus.current = null;
  });

  const loadMore = async (stageId: string, after: string) => {
    setLoadingStage(stageId);
    setLoadError(null);
    try {
      const page = await stagePage(pipeline.id, stageId, after);
      queryClient.setQueryData<TBoard>(boardQuery(pipeline.id).queryKey, (prev) =>
        prev
          ? {
              ...prev,
              stages: prev.stages.map((col) => {
                if (col.stage.id !== stageId) return col;
                const seen = new Set(col.items.map((d) => d.id));
                return {
                  ...col,
                  items: [...col.items, ...page.items.filter((d) => !seen.has(d.id))],
                  nextCursor: page.nextCursor,
                };
              }),
            }
          : prev,
      );
    } catch (err) {
      setLoadError(err);
    } finally {
      setLoadingStage(null);
    }
  };

  if (board.isPending) return <Loading />;
  if (board.isError) return <ErrorAlert error={board.error} />;
  const stages = board.data.stages.map((c) => c.stage);
  const findDeal = (id: string) => board.data.stages.flatMap((c) => c.items).find((d) => d.id === id);
  const drop = (e: DragEvent, stageId: string) => {
    e.preventDefault();
    setOver(null);
    const id = e.dataTransfer.getData(DRAG_TYPE) || dragging;
    setDragging(null);
    const deal = id ? findDeal(id) : undefined;
    if (deal && deal.stageId !== stageId) move.mutate({ deal, stageId });
  };

  return (
    <Stack gap="sm">
      {Boolean(move.error) && (
        <Alert
          color="red"
          role="alert"
          withCloseButton
          onClose={() => move.reset()}
          closeButtonLabel={t('common.close')}
        >
          {t('deals.moveFailed', { error: describeError(move.error) })}
        </Alert>
      )}
      <ErrorAlert error={loadError} />
      <div role="status" style={visuallyHidden}>
        {move.isSuccess && move.variables
          ? t('deals.moved', {
              name: move.variables.deal.name,
              stage: stages.find((s) => s.id === move.variables.stageId)?.name ?? '',
            })
          : ''}
      </div>
      <ScrollArea type="auto" offsetScrollbars>
        <Group align="flex-start" gap="sm" wrap="nowrap" pb="sm">
          {board.data.stages.map((col) => (
            <Column
              key={col.stage.id}
              stage={col.stage}
              deals={col.items}
              hasMore={Boolean(col.nextCursor)}
              loading={loadingStage === col.stage.id}
              onLoadMore={() => col.nextCursor && void loadMore(col.stage.id, col.nextCursor)}
              dropTarget={over === col.stage.id}
              onDragOver={(e) => {
                if (!dragging) return;
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (over !== col.stage.id) setOver(col.stage.id);
              }}
              onDragLeave={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(null);
              }}
              onDrop={(e) => drop(e, col.stage.id)}
            >
              {col.items.map((deal) => (
                <DealCard
                  key={deal.id}
                  deal={deal}
                  stages={stages}
                  canWrite={canWrite}
                  dragging={dragging === deal.id}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DRAG_TYPE, deal.id);
                    e.dataTransfer.setData('text/plain', deal.name);
                    e.dataTransfer.effectAllowed = 'move';
                    setDragging(deal.id);
                  }}
                  onDragEnd={() => {
                    setDragging(null);
                    setOver(null);
                  }}
                  onMove={(stageId) => {
                    refocus.current = { id: deal.id, stageId };
                    move.mutate(
                      { deal, stageId },
                      // Back where it was: focus goes back with it.
                      {
                        onError: () => {
                          refocus.current = { id: deal.id, stageId: deal.stageId };
                        },
                      },
                    );
                  }}
                />
              ))}
            </Column>
          ))}
        </Group>
      </ScrollArea>
    </Stack>
  );
}

function Column(props: {
  stage: TStage;
  deals: TDeal[];
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  dropTarget: boolean;
  onDragOver: (e: DragEvent<HTMLElement>) => void;
  onDragLeave: (e: DragEvent<HTMLElement>) => void;
  onDrop: (e: DragEvent<HTMLElement>) => void;
  children: React.ReactNode;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <Paper
      component="section"
      aria-labelledby={headingId}
      withBorder
      p="xs"
      w={272}
      miw={272}
      bg={props.dropTarget ? 'teal.0' : 'gray.0'}
      style={{ outline: props.dropTarget ? '2px dashed var(--mantine-color-teal-6)' : undefined, minHeight: 200 }}
      onDragOver={props.onDragOver}
      onDragLeave={props.onDragLeave}
      onDrop={props.onDrop}
      data-stage={props.stage.name}
      data-stage-id={props.stage.id}
    >
      <Stack gap={2} mb="xs">
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Title order={2} fz="sm" id={headingId}>
            {props.stage.name}
          </Title>
          {props.stage.kind !== 'open' && <StatusBadge status={props.stage.kind} />}
        </Group>
        <Text size="xs" c="dimmed" data-testid="column-summary">
          {t('deals.cards', { count: props.deals.length })} · {formatSums(props.deals)}
        </Text>
      </Stack>
      <Stack gap="xs" role="list" mah="calc(100dvh - 260px)" style={{ overflowY: 'auto' }} p={2}>
        {props.children}
        {props.deals.length === 0 && (
          <Text size="xs" c="dimmed" ta="center" py="md">
            {t('deals.emptyColumn')}
          </Text>
        )}
      </Stack>
      {props.hasMore && (
        <Button variant="default" size="xs" fullWidth mt="xs" loading={props.loading} onClick={props.onLoadMore}>
          {t('common.loadMore')}
        </Button>
      )}
    </Paper>
  );
}

function DealCard(props: {
  deal: TDeal;
  stages: TStage[];
  canWrite: boolean;
  dragging: boolean;
  onDragStart: (e: DragEvent<HTMLElement>) => void;
  onDragEnd: () => void;
  onMove: (stageId: string) => void;
}) {
  const { t } = useTranslation();
  const d = props.deal;
  return (
    <Paper
      role="listitem"
      withBorder
      shadow="xs"
      p="xs"
      draggable={props.canWrite}
      onDragStart={props.onDragStart}
      onDragEnd={props.onDragEnd}
      style={{ cursor: props.canWrite ? 'grab' : undefined, opacity: props.dragging ? 0.5 : 1 }}
      data-deal={d.name}
      data-deal-id={d.id}
    >
      <Stack gap={4}>
        <AnchorLink to="/deals/$dealId" params={{ dealId: d.id }} fw={600} fz="sm" draggable={false}>
          {d.name}
        </AnchorLink>
        {d.companyId && (
          <Text size="xs" c="dimmed">
            <CompanyName id={d.companyId} />
          </Text>
        )}
        <Group justify="space-between" gap="xs">
          <Text size="sm" fw={500}>
            {formatMoney(d.amount, d.currency)}
          </Text>
          <Text size="xs" c="dimmed" title={t('deals.expectedClose')}>
            {d.expectedCloseDate ? formatDate(`${d.expectedCloseDate}T12:00:00`) : ''}
          </Text>
        </Group>
        {props.canWrite && <MoveSelect deal={d} stages={props.stages} onMove={props.onMove} />}
      </Stack>
    </Paper>
  );
}

type TTableSort = TDealSort | `cf.${string}`;

function DealsTable(props: {
  pipeline: TPipeline;
  sort: TSortState<TTableSort>;
  onSort: (s: TSortState<TTableSort>) => void;
  filters: TTableFilters;
  onFilter: (f: Partial<TTableFilters & { savedView: string; sortBy: TTableSort; dir: 'asc' | 'desc' }>) => void;
  canWrite: boolean;
  savedView: string | undefined;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { filters, onFilter } = props;
  const stageId = props.pipeline.stages.some((s) => s.id === filters.stageId) ? filters.stageId : undefined;
  const viewFilters = parseFilters(filters.filter);
  const filtered = Boolean(stageId || filters.ownerId || filters.status || viewFilters.length);
  const members = useQuery(membersQuery);
  const [shown, toggleColumn, replaceColumns] = useColumnChoice<string>('tillit.columns.deals', [], []);
  const custom = useCustomColumns<TDeal>('deal', {
    canEdit: props.canWrite,
    label: (d) => d.name,
    save: async (d, key, value) => {
      await updateDeal(d.id, { customFields: { [key]: value } });
      await queryClient.invalidateQueries({ queryKey: ['deals'] });
    },
  });
  const customShown = custom.columns.filter((c) => shown.has(c.key));
  const filterFields: TFilterField[] = [
    { id: 'name', label: t('common.name'), kind: 'text' },
    { id: 'amount', label: t('deals.amount'), kind: 'number' },
    { id: 'expectedCloseDate', label: t('deals.expectedClose'), kind: 'date' },
    { id: 'createdAt', label: t('common.created'), kind: 'timestamp' },
    { id: 'updatedAt', label: t('records.updated'), kind: 'timestamp' },
    ...custom.filterFields,
  ];
  const filterBar = (
    <Group align="flex-end" gap="sm" role="search" aria-label={t('records.filters')}>
      <NativeSelect
        label={t('deals.stage')}
        value={stageId ?? ''}
        onChange={(e) => onFilter({ stageId: e.currentTarget.value || undefined })}
        data={[
          { value: '', label: t('records.any') },
          ...props.pipeline.stages.map((s) => ({ value: s.id, label: s.name })),
        ]}
        w={180}
      />
      <NativeSelect
        label={t('records.owner')}
        value={filters.ownerId ?? ''}
        onChange={(e) => onFilter({ ownerId: e.currentTarget.value || undefined })}
        data={[
          { value: '', label: t('records.anyone') },
          ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
        ]}
        w={180}
      />
      <NativeSelect
        label={t('deals.status')}
        value={filters.status ?? ''}
        onChange={(e) => onFilter({ status: (e.currentTarget.value || undefined) as TDeal['status'] | undefined })}
        data={[
          { value: '', label: t('records.any') },
          ...DEAL_STATUSES.map((x) => ({ value: x, label: t(`deals.statuses.${x}`) })),
        ]}
        w={140}
      />
      {filtered && (
        <Button
          variant="subtle"
          onClick={() => onFilter({ stageId: undefined, ownerId: undefined, status: undefined, filter: undefined })}
        >
          {t('records.clearFilters')}
        </Button>
      )}
      <ViewMenu
        object="deal"
        activeId={props.savedView}
        current={{ columns: [...shown], filters: viewFilters, sort: { field: props.sort.sort, dir: props.sort.dir } }}
        onOpen={(v) => {
          if (v) replaceColumns(v.columns);
          onFilter({
            savedView: v?.id,
            filter: v?.filters.length ? formatFilters(v.filters) : undefined,
            sortBy: v?.sort?.field as TTableSort | undefined,
            dir: v?.sort?.dir,
            stageId: undefined,
            ownerId: undefined,
            status: undefined,
          });
        }}
      />
      {custom.columns.length > 0 && <ColumnsMenu columns={custom.columns} shown={shown} onToggle={toggleColumn} />}
    </Group>
  );
  return (
    <Stack gap="sm">
      {filterBar}
      <FilterBar
        fields={filterFields}
        filters={viewFilters}
        onChange={(next) => onFilter({ filter: next.length ? formatFilters(next) : undefined })}
      />
      <DealsRows
        {...props}
        filters={{ ...filters, stageId }}
        filtered={filtered}
        members={members.data}
        customColumns={customShown}
      />
    </Stack>
  );
}

type TTableFilters = Pick<TDealsSearch, 'stageId' | 'ownerId' | 'status' | 'filter'>;

function DealsRows(props: {
  pipeline: TPipeline;
  sort: TSortState<TTableSort>;
  onSort: (s: TSortState<TTableSort>) => void;
  filters: TTableFilters;
  filtered: boolean;
  members: { userId: string; name: string | null; email: string }[] | undefined;
  canWrite: boolean;
  customColumns: ReturnType<typeof useCustomColumns<TDeal>>['columns'];
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const deals = useInfiniteQuery(dealsListQuery({ pipelineId: props.pipeline.id, ...props.filters, ...props.sort }));
  const move = useMoveDeal(props.pipeline.id);
  const rows = deals.data?.pages.flatMap((p) => p.items) ?? [];
  const stageName = (id: string) => props.pipeline.stages.find((s) => s.id === id)?.name ?? '—';
  const memberName = (id: string | null) => {
    const m = id ? props.members?.find((x) => x.userId === id) : undefined;
    return m ? m.name || m.email : '—';
  };
  if (deals.isPending) return <Loading />;
  if (deals.isError) return <ErrorAlert error={deals.error} />;
  // A problem with a table-view filter names it (filter.<field>) in the message.
  if (rows.length === 0) return <Text c="dimmed">{props.filtered ? t('records.noMatches') : t('deals.empty')}</Text>;
  const th = (field: TTableSort, label: string, firstDir: 'asc' | 'desc' = 'desc') => (
    <SortableTh field={field} label={label} state={props.sort} firstDir={firstDir} onSort={props.onSort} />
  );
  return (
    <Stack gap="sm">
      {Boolean(move.error) && (
        <Alert color="red" role="alert">
          {t('deals.moveFailed', { error: describeError(move.error) })}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={900}>
        <Table
          striped
          highlightOnHover
          verticalSpacing={4}
          fz="sm"
          aria-label={t('deals.title')}
          aria-busy={deals.isFetching}
          style={{ opacity: deals.isPlaceholderData ? 0.6 : 1 }}
        >
          <Table.Thead>
            <Table.Tr>
              {th('name', t('common.name'), 'asc')}
              {th('stage', t('deals.stage'), 'asc')}
              {th('amount', t('deals.amount'))}
              <Table.Th>{t('records.company')}</Table.Th>
              {th('expectedCloseDate', t('deals.expectedClose'), 'asc')}
              {th('owner', t('records.owner'), 'asc')}
              {th('status', t('deals.status'), 'asc')}
              {th('updatedAt', t('records.updated'))}
              {props.customColumns.map((c) => (
                <SortableTh
                  key={c.key}
                  field={c.sort ?? c.key}
                  label={c.label}
                  state={props.sort}
                  firstDir="asc"
                  onSort={(s) => props.onSort(s as TSortState<TTableSort>)}
                />
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((d) => (
              <ClickableRow key={d.id} onOpen={() => void navigate({ to: '/deals/$dealId', params: { dealId: d.id } })}>
                <Table.Td>
                  <AnchorLink to="/deals/$dealId" params={{ dealId: d.id }} fw={500} fz="sm">
                    {d.name}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>
                  {props.canWrite ? (
                    <Box w={170}>
                      <MoveSelect
                        hideLabel
                        deal={d}
                        stages={props.pipeline.stages}
                        onMove={(stageId) => move.mutate({ deal: d, stageId })}
                      />
                    </Box>
                  ) : (
                    stageName(d.stageId)
                  )}
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap', textAlign: 'right' }}>
                  {formatMoney(d.amount, d.currency)}
                </Table.Td>
                <Table.Td>
                  <CompanyName id={d.companyId} />
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {d.expectedCloseDate ? formatDate(`${d.expectedCloseDate}T12:00:00`) : '—'}
                </Table.Td>
                <Table.Td>{memberName(d.ownerId)}</Table.Td>
                <Table.Td>
                  <StatusBadge status={d.status} />
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDate(d.updatedAt)}</Table.Td>
                {props.customColumns.map((c) => (
                  <Table.Td key={c.key}>{c.cell(d)}</Table.Td>
                ))}
              </ClickableRow>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <LoadMore
        shown={rows.length}
        hasMore={deals.hasNextPage}
        loading={deals.isFetchingNextPage}
        onLoad={() => void deals.fetchNextPage()}
      />
    </Stack>
  );
}
