import type { TTimeline, TTimelineItem, ZTimelineQuery } from '@tillit/contracts';
import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import {
  dealPeople,
  dealStageHistory,
  deals,
  interactions,
  notes,
  taskCompanies,
  taskDeals,
  taskPeople,
  tasks,
} from '../../db/schema/index.ts';
import { validationFailed } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import { taskVisibleTo } from '../tasks/tasks.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { interactionAccess, loadVisibleInteractions, presentInteractions } from './interactions.service.ts';
import { loadVisibleNotes, noteAccess, presentNotes } from './notes.service.ts';
import { assertRecordsVisible, type ItemKind, LINKS, type RecordKind, recordVisible } from './timeline.links.ts';

export type TimelineInput = z.output<typeof ZTimelineQuery>;

/**
 * The timeline of one person, company or deal (P-CRM-9): its notes and interactions (those
 * linked to it), and the stage changes of its deals (the deal itself; for a person the deals
 * they take part in; for a company the deals of that company), newest first.
 *
 * One statement: a UNION ALL of one branch per kind, each reading an index that leads with
 * (workspace_id, record id) newest first, filtered by the caller's visibility of the item,
 * cut to the page size; the outer ORDER BY … LIMIT merges them. Keyset on (at, kind, id),
 * all descending, so a page never repeats or skips an item whatever the mix of kinds.
 */

/** In byte order, the order of the kind in the keyset (the outer ORDER BY compares them COLLATE "C"). */
export type StreamKind = 'interaction' | 'note' | 'stage_change' | 'task_completed' | 'task_created';
const STREAM_KINDS: readonly StreamKind[] = ['interaction', 'note', 'stage_change', 'task_completed', 'task_created'];

type Cursor = { list: string; at: string; kind: StreamKind; id: string };
const ZCursorTuple = z.tuple([
  z.string(),
  z.iso.datetime(),
  z.enum(STREAM_KINDS as [StreamKind, ...StreamKind[]]),
  z.uuid(),
]);

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.list, c.at, c.kind, c.id])).toString('base64url');
}

function decodeCursor(raw: string, list: string): Cursor {
  const bad = () => validationFailed({ after: 'is not a cursor from this list' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const r = ZCursorTuple.safeParse(parsed);
  if (!r.success || r.data[0] !== list) throw bad();
  return { list, at: r.data[1], kind: r.data[2], id: r.data[3] };
}

/** "Before the cursor" for a branch whose kind is the constant `kind`, on columns an index serves. */
function before(c: Cursor | undefined, kind: StreamKind, at: SQL, id: SQL): SQL {
  if (!c) return sql`true`;
  const cAt = sql`${c.at}::timestamptz`;
  if (kind < c.kind) return sql`${at} <= ${cAt}`;
  if (kind > c.kind) return sql`${at} < ${cAt}`;
  return sql`(${at}, ${id}) < (${cAt}, ${c.id}::uuid)`;
}

function itemBranch(
  actor: Actor,
  item: ItemKind,
  record: RecordKind,
  recordId: string,
  c: Cursor | undefined,
  n: number,
) {
  const l = LINKS[item][record];
  const kind: StreamKind = item;
  const [t, key, live, vis] =
    item === 'note'
      ? [notes, notes.noteId, sql`${notes.deletedAt} is null`, visibleTo(actor, noteAccess)]
      : [interactions, interactions.interactionId, sql`true`, visibleTo(actor, interactionAccess)];
  return sql`(select ${l.occurredAt} as at, ${kind}::text as kind, ${l.itemId} as id
    from ${l.table} join ${t} on ${t.workspaceId} = ${l.workspaceId} and ${key} = ${l.itemId}
    where ${l.workspaceId} = ${actor.workspaceId} and ${l.recordId} = ${recordId}
      and ${live} and ${vis ?? sql`true`}
      and ${before(c, kind, sql`${l.occurredAt}`, sql`${l.itemId}`)}
    order by ${l.occurredAt} desc, ${l.itemId} desc limit ${n})`;
}

/** The live deals of the record that the caller can see. */
function dealsOf(actor: Actor, record: RecordKind, recordId: string): SQL {
  const ws = actor.workspaceId;
  const vis = recordVisible(actor, 'deal');
  if (record === 'deal')
    return sql`select ${deals.dealId} from ${deals} where ${deals.workspaceId} = ${ws} and ${deals.dealId} = ${recordId} and ${vis}`;
  if (record === 'company')
    return sql`select ${deals.dealId} from ${deals} where ${deals.workspaceId} = ${ws} and ${deals.companyId} = ${recordId} and ${vis}`;
  return sql`select ${dealPeople.dealId} from ${dealPeople} join ${deals} on ${deals.workspaceId} = ${dealPeople.workspaceId} and ${deals.dealId} = ${dealPeople.dealId}
    where ${dealPeople.workspaceId} = ${ws} and ${dealPeople.personId} = ${recordId} and ${vis}`;
}

function stageBranch(actor: Actor, record: RecordKind, recordId: string, c: Cursor | undefined, n: number) {
  const h = dealStageHistory;
  return sql`(select ${h.movedAt} as at, 'stage_change'::text as kind, ${h.entryId} as id
    from ${h}
    where ${h.workspaceId} = ${actor.workspaceId} and ${h.dealId} = any(array(${dealsOf(actor, record, recordId)}))
      and ${before(c, 'stage_change', sql`${h.movedAt}`, sql`${h.entryId}`)}
    order by ${h.movedAt} desc, ${h.entryId} desc limit ${n})`;
}

const TASK_LINKS = {
  person: { table: taskPeople, taskId: taskPeople.taskId, recordId: taskPeople.personId, ws: taskPeople.workspaceId },
  company: {
    table: taskCompanies,
    taskId: taskCompanies.taskId,
    recordId: taskCompanies.companyId,
    ws: taskCompanies.workspaceId,
  },
  deal: { table: taskDeals, taskId: taskDeals.taskId, recordId: taskDeals.dealId, ws: taskDeals.workspaceId },
} as const;

/** Tasks linked to the record: when each was created, or when it was completed. The link
 *  index (workspace_id, record id, task_id) finds them; their times are sorted per record. */
function taskBranch(
  actor: Actor,
  kind: 'task_created' | 'task_completed',
  record: RecordKind,
  recordId: string,
  c: Cursor | undefined,
  n: number,
) {
  const l = TASK_LINKS[record];
  const at = kind === 'task_created' ? tasks.createdAt : tasks.completedAt;
  const done = kind === 'task_completed' ? sql`and ${tasks.completedAt} is not null` : sql``;
  return sql`(select ${at} as at, ${kind}::text as kind, ${tasks.taskId} as id
    from ${l.table} join ${tasks} on ${tasks.workspaceId} = ${l.ws} and ${tasks.taskId} = ${l.taskId}
    where ${l.ws} = ${actor.workspaceId} and ${l.recordId} = ${recordId}
      and ${tasks.deletedAt} is null and ${taskVisibleTo(actor) ?? sql`true`} ${done}
      and ${before(c, kind, sql`${at}`, sql`${tasks.taskId}`)}
    order by ${at} desc, ${tasks.taskId} desc limit ${n})`;
}

async function loadTasks(tx: Tx, actor: Actor, ids: string[]) {
  const out = new Map<string, Extract<TTimelineItem, { task: unknown }>['task']>();
  if (ids.length === 0) return out;
  const rows = await tx
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, actor.workspaceId),
        inArray(tasks.taskId, ids),
        isNull(tasks.deletedAt),
        taskVisibleTo(actor),
      ),
    );
  for (const r of rows)
    out.set(r.taskId, {
      id: r.taskId,
      title: r.title,
      status: r.status,
      dueAt: r.dueAt ? r.dueAt.toISOString() : null,
      completedAt: r.completedAt ? r.completedAt.toISOString() : null,
      assigneeId: r.assigneeId,
      createdBy: r.createdBy,
    });
  return out;
}

type Row = { at: Date | string; kind: StreamKind; id: string };

/** The page's stage changes with the deal's and the stages' names (stages may be gone). */
async function loadStageChanges(tx: Tx, actor: Actor, ids: string[]) {
  const out = new Map<string, Extract<TTimelineItem, { kind: 'stage_change' }>['stageChange']>();
  if (ids.length === 0) return out;
  const res = await tx.execute(sql`select h.entry_id::text as id, h.deal_id::text as deal_id, d.name as deal_name,
      h.stage_id::text as stage_id, s.name as stage_name, h.from_stage_id::text as from_stage_id, f.name as from_stage_name,
      h.moved_by::text as moved_by
    from deal_stage_history h
    join deals d on d.workspace_id = h.workspace_id and d.deal_id = h.deal_id
    left join pipeline_stages s on s.workspace_id = h.workspace_id and s.stage_id = h.stage_id
    left join pipeline_stages f on f.workspace_id = h.workspace_id and f.stage_id = h.from_stage_id
    where h.workspace_id = ${actor.workspaceId} and h.entry_id = any(${sql.raw(`array[${ids.map((i) => `'${z.uuid().parse(i)}'::uuid`).join(',')}]`)})`);
  const rows = (res as unknown as { rows: Record<string, string | null>[] }).rows;
  for (const r of rows) {
    out.set(r.id as string, {
      dealId: r.deal_id as string,
      dealName: r.deal_name as string,
      stageId: r.stage_id as string,
      stageName: r.stage_name ?? null,
      fromStageId: r.from_stage_id ?? null,
      fromStageName: r.from_stage_name ?? null,
      movedBy: r.moved_by ?? null,
    });
  }
  return out;
}

/** One page of a record's timeline, inside the caller's transaction; `kinds` narrows it
 *  (the list of interactions is the timeline of interactions only). */
export async function timelinePage(
  tx: Tx,
  actor: Actor,
  q: TimelineInput,
  kinds: readonly StreamKind[] = STREAM_KINDS,
): Promise<TTimeline> {
  const [record, recordId] = (
    q.person ? ['person', q.person] : q.company ? ['company', q.company] : ['deal', q.deal]
  ) as [RecordKind, string];
  const list = kinds.join('+');
  const c = q.after ? decodeCursor(q.after, list) : undefined;
  await assertRecordsVisible(tx, actor, record, [recordId]);
  const n = q.limit + 1;
  const branches: SQL[] = [];
  if (kinds.includes('note')) branches.push(itemBranch(actor, 'note', record, recordId, c, n));
  if (kinds.includes('interaction')) branches.push(itemBranch(actor, 'interaction', record, recordId, c, n));
  if (kinds.includes('stage_change')) branches.push(stageBranch(actor, record, recordId, c, n));
  for (const k of ['task_created', 'task_completed'] as const)
    if (kinds.includes(k)) branches.push(taskBranch(actor, k, record, recordId, c, n));
  const res = await tx.execute(sql`select at, kind, id::text as id from (${sql.join(branches, sql` union all `)}) t
    order by at desc, kind collate "C" desc, id desc limit ${n}`);
  const rows = (res as unknown as { rows: Row[] }).rows;
  const page = rows.slice(0, q.limit).map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  const idsOf = (k: StreamKind) => page.filter((r) => r.kind === k).map((r) => r.id);

  const noteRows = await loadVisibleNotes(tx, actor, idsOf('note'));
  const notesById = new Map((await presentNotes(tx, actor, noteRows)).map((x) => [x.id, x]));
  const interactionRows = await loadVisibleInteractions(tx, actor, idsOf('interaction'));
  const interactionsById = new Map((await presentInteractions(tx, actor, interactionRows)).map((x) => [x.id, x]));
  const changes = await loadStageChanges(tx, actor, idsOf('stage_change'));
  const taskById = await loadTasks(tx, actor, [...new Set([...idsOf('task_created'), ...idsOf('task_completed')])]);

  const items: TTimelineItem[] = [];
  for (const r of page) {
    if (r.kind === 'note') {
      const note = notesById.get(r.id);
      if (note) items.push({ kind: 'note', id: r.id, at: r.at, note });
    } else if (r.kind === 'interaction') {
      const interaction = interactionsById.get(r.id);
      if (interaction) items.push({ kind: 'interaction', id: r.id, at: r.at, interaction });
    } else if (r.kind === 'stage_change') {
      const stageChange = changes.get(r.id);
      if (stageChange) items.push({ kind: 'stage_change', id: r.id, at: r.at, stageChange });
    } else {
      const task = taskById.get(r.id);
      if (task) items.push({ kind: r.kind, id: r.id, at: r.at, task });
    }
  }
  const last = page.at(-1);
  const nextCursor =
    rows.length > q.limit && last ? encodeCursor({ list, at: last.at, kind: last.kind, id: last.id }) : null;
  return { items, nextCursor };
}

export async function getTimeline(services: Services, actor: Actor, q: TimelineInput): Promise<TTimeline> {
  return inTenant(services, actor, (tx) => timelinePage(tx, actor, q));
}
