import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  DEAL_SORTS,
  TBoard,
  TCreateDealBody,
  TDeal,
  TDealList,
  TDeletedDeal,
  TPipelineList,
  TStageHistory,
  TUpdateDealBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { i18n } from '../../lib/i18n.ts';
import * as money from '../../lib/money.ts';
import { listQuery, type TSortDir } from '../people/people.api.ts';

export type {
  TBoard,
  TCreateDealBody,
  TDeal,
  TDealList,
  TDealStatus,
  TPipeline,
  TStage,
  TStageHistoryItem,
  TStageKind,
  TUpdateDealBody,
} from '@tillit/contracts';
export { DEAL_SORTS, DEAL_STATUSES } from '@tillit/contracts';

export type TDealSort = (typeof DEAL_SORTS)[number];
export type TDealFilters = {
  pipelineId: string;
  stageId?: string;
  ownerId?: string;
  companyId?: string;
  personId?: string;
  status?: TDeal['status'];
  /** Table-view filters, `field:op:value` each. */
  filter?: string[];
  /** A built-in sort, or `cf.<key>` for a custom field. */
  sort?: TDealSort | `cf.${string}`;
  dir?: TSortDir;
};

export const BOARD_PER_STAGE = 50;
export const CURRENCIES = ['NOK', 'EUR', 'USD', 'GBP', 'SEK', 'DKK', 'CHF'] as const;

const base = '/api/v1/deals';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const pipelinesQuery = queryOptions({
  queryKey: ['deals', 'pipelines'],
  queryFn: ({ signal }) => api<TPipelineList>('/api/v1/pipelines', { signal }).then((r) => r.items),
  staleTime: 60_000,
});

export const boardQuery = (pipelineId: string) =>
  queryOptions({
    queryKey: ['deals', 'board', pipelineId],
    queryFn: ({ signal }) =>
      api<TBoard>(`/api/v1/pipelines/${encodeURIComponent(pipelineId)}/board?perStage=${BOARD_PER_STAGE}`, {
        signal,
      }),
  });

/** The next deals of one column, after its cursor (the board's order: updatedAt, newest first). */
export const stagePage = (pipelineId: string, stageId: string, after: string) =>
  api<TDealList>(
    `${base}?${listQuery({ pipelineId, stageId, sort: 'updatedAt', dir: 'desc', limit: String(BOARD_PER_STAGE) }, after)}`,
  );

export const dealsListQuery = (filters: TDealFilters) =>
  infiniteQueryOptions({
    queryKey: ['deals', 'list', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TDealList>(`${base}?${listQuery(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });

export const dealQuery = (id: string) =>
  queryOptions({ queryKey: ['deals', 'one', id], queryFn: ({ signal }) => api<TDeal>(one(id), { signal }) });

export const dealHistoryQuery = (id: string) =>
  queryOptions({
    queryKey: ['deals', 'history', id],
    queryFn: ({ signal }) => api<TStageHistory>(`${one(id)}/history`, { signal }).then((r) => r.items),
  });

export const createDeal = (body: TCreateDealBody) => api<TDeal>(base, { method: 'POST', body });
export const updateDeal = (id: string, body: TUpdateDealBody) => api<TDeal>(one(id), { method: 'PATCH', body });
/** Moves the deal to the trash for 30 days. */
export const deleteDeal = (id: string) => api<TDeletedDeal>(one(id), { method: 'DELETE' });
export const restoreDeal = (id: string) => api<TDeal>(`${one(id)}/restore`, { method: 'POST' });
export const moveDeal = (id: string, stageId: string) =>
  api<TDeal>(`${one(id)}/move`, { method: 'POST', body: { stageId } });

/** An amount in minor units as money in the reader's language. */
export const formatMoney = (minor: number | null | undefined, currency: string) =>
  money.formatMoney(minor, currency, i18n.language);
/** The loaded cards' amounts, summed per currency. */
export const formatSums = (deals: Pick<TDeal, 'amount' | 'currency'>[]) => money.formatSums(deals, i18n.language);
/** What the reader typed as minor units (null: empty; undefined: not an amount). */
export const parseAmount = (text: string, currency: string) => money.parseAmount(text, currency, i18n.language);
export const amountText = money.amountText;
