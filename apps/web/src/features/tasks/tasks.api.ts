import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import type {
  TASK_SORTS,
  TCreateTaskBody,
  TDeal,
  TDealList,
  TDeletedTask,
  TPipelineList,
  TTask,
  TTaskList,
  TTaskStatus,
  TUpdateTaskBody,
} from '@tillit/contracts';
import { api } from '../../lib/api.ts';
import { listQuery, type TSortDir } from '../people/people.api.ts';

export type { TCreateTaskBody, TTask, TTaskList, TTaskPriority, TTaskStatus, TUpdateTaskBody } from '@tillit/contracts';
export { TASK_PRIORITIES, TASK_STATUSES } from '@tillit/contracts';

export type TTaskSort = (typeof TASK_SORTS)[number];
/** What the Tasks page filters by, as kept in the address. */
export type TTaskFilters = {
  assignee?: string;
  status?: string;
  dueBefore?: string;
  dueAfter?: string;
  personId?: string;
  companyId?: string;
  dealId?: string;
  projectId?: string;
  sort?: TTaskSort;
  dir?: TSortDir;
};

/** Open and in progress: what "to do" means in lists and sections. */
export const TODO_STATUSES = 'open,in_progress';

const base = '/api/v1/tasks';
const one = (id: string) => `${base}/${encodeURIComponent(id)}`;

export const tasksListQuery = (filters: TTaskFilters) =>
  infiniteQueryOptions({
    queryKey: ['tasks', 'list', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<TTaskList>(`${base}?${listQuery(filters, pageParam)}`, { signal }),
    getNextPageParam: (last) => last.nextCursor ?? null,
    placeholderData: keepPreviousData,
  });

export const taskQuery = (id: string) =>
  queryOptions({ queryKey: ['tasks', 'one', id], queryFn: ({ signal }) => api<TTask>(one(id), { signal }) });

export const createTask = (body: TCreateTaskBody) => api<TTask>(base, { method: 'POST', body });
export const updateTask = (id: string, body: TUpdateTaskBody) => api<TTask>(one(id), { method: 'PATCH', body });
/** Moves the task to the trash for 30 days. */
export const deleteTask = (id: string) => api<TDeletedTask>(one(id), { method: 'DELETE' });

/** Ticking a task completes it; unticking opens it again. */
export const setDone = (task: Pick<TTask, 'id'>, done: boolean) =>
  updateTask(task.id, { status: (done ? 'done' : 'open') satisfies TTaskStatus });

/** Deals whose name contains `q`, from the first page (by name) of each pipeline: the deals
 *  list has no text search, and a picker needs only the first matches. */
export async function searchDeals(q: string): Promise<{ value: string; label: string }[]> {
  const pipelines = (await api<TPipelineList>('/api/v1/pipelines')).items;
  const needle = q.trim().toLowerCase();
  const out: TDeal[] = [];
  for (const p of pipelines) {
    const page = await api<TDealList>(`/api/v1/deals?pipelineId=${p.id}&sort=name&dir=asc&limit=100`);
    out.push(...page.items.filter((d) => !needle || d.name.toLowerCase().includes(needle)));
    if (out.length >= 20) break;
  }
  return out.slice(0, 20).map((d) => ({ value: d.id, label: d.name }));
}

/** A date-time input's value ("2026-11-25T14:30", the reader's time) as an ISO instant, and back. */
export function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
export function toLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const isOverdue = (t: Pick<TTask, 'dueAt' | 'status'>, now = Date.now()) =>
  Boolean(t.dueAt) &&
  (t.status === 'open' || t.status === 'in_progress') &&
  new Date(t.dueAt as string).getTime() < now;
