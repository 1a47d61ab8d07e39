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
  sort?: TDealSort;
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

/** Digits after the decimal point for a currency (NOK 2, JPY 0). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount in minor units as money in the reader's language: 1234500 NOK → "kr 12 345,00". */
export function formatMoney(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '—';
  const major = minor / 10 ** currencyDigits(currency);
  try {
    return new Intl.NumberFormat(i18n.language, { style: 'currency', currency }).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}

/** Sums per currency, formatted and joined: "kr 10,00 + €5,00". */
export function formatSums(deals: Pick<TDeal, 'amount' | 'currency'>[]): string {
  const sums = new Map<string, number>();
  for (const d of deals) if (d.amount !== null) sums.set(d.currency, (sums.get(d.currency) ?? 0) + d.amount);
  if (sums.size === 0) return '—';
  return [...sums].map(([cur, sum]) => formatMoney(sum, cur)).join(' + ');
}

/** What the reader typed ("12 345,50" or "12345.5") as minor units, or undefined if it is not a number. */
export function parseAmount(text: string, currency: string): number | null | undefined {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!cleaned) return null;
  const normal =
    cleaned.includes(',') && !cleaned.includes('.') ? cleaned.replace(',', '.') : cleaned.replace(/,/g, '');
  if (!/^\d+(\.\d+)?$/.test(normal)) return undefined;
  return Math.round(Number(normal) * 10 ** currencyDigits(currency));
}

export function amountText(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}
