import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { projects, tasks } from '../../db/schema/index.ts';
import { heldRecords } from '../../privacy/retention/retention.holds.ts';
import { projectVisibleTo } from '../projects/projects.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { taskVisibleTo } from './tasks.policy.ts';

/** Tasks and projects in the shared trash (people/trash.service.ts): the parts of its list's
 *  union, and the purge of what was deleted before the cutoff. */
export function taskTrashParts(actor: Actor, kind: string | undefined): SQL[] {
  const ws = actor.workspaceId;
  const parts: SQL[] = [];
  if (!kind || kind === 'task') {
    const vis = taskVisibleTo(actor) ?? sql`true`;
    parts.push(sql`select 'task' as kind, ${tasks.taskId} as id, ${tasks.title} as name, ${tasks.deletedAt} as deleted_at
      from ${tasks} where ${tasks.workspaceId} = ${ws} and ${tasks.deletedAt} is not null and ${vis}`);
  }
  if (!kind || kind === 'project') {
    const vis = projectVisibleTo(actor) ?? sql`true`;
    parts.push(sql`select 'project' as kind, ${projects.projectId} as id, ${projects.name} as name, ${projects.deletedAt} as deleted_at
      from ${projects} where ${projects.workspaceId} = ${ws} and ${projects.deletedAt} is not null and ${vis}`);
  }
  return parts;
}

const rowsOf = <R>(r: unknown): R[] => (r as { rows: R[] }).rows;

/** Where a purge of trashed tasks or projects stopped: the last (deleted_at, id) it removed. */
export type WorkPurgeKey = { deletedAt: string; id: string };

const WORK = {
  tasks: { table: tasks, id: 'task_id' },
  projects: { table: projects, id: 'project_id' },
} as const;

/**
 * Tasks or projects in the trash since before `cutoff` and not under a legal hold, at most
 * `limit` of them, oldest first: one bounded statement on `tasks_deleted_idx` /
 * `projects_deleted_idx`, so a caller that commits between calls never holds more than
 * `limit` rows in one transaction. Deleting a task takes its links and notifications by
 * cascade; a project its members and links, and its live tasks lose the link (SET NULL).
 *
 * `after` (the `last` of the previous call in the same run) starts the index range after
 * the rows already removed, whose index entries stay until vacuum (as for notes,
 * timeline/notes.trash.ts). A run cut short starts again without it and finds the same
 * rows minus those removed: the purge is resumable and a second run removes nothing.
 */
export async function purgeTrashedWork(
  tx: Tx,
  kind: keyof typeof WORK,
  workspaceId: string,
  { cutoff, now, limit, after }: { cutoff: Date; now: Date; limit: number; after?: WorkPurgeKey | undefined },
): Promise<{ count: number; last?: WorkPurgeKey }> {
  const ws = workspaceId;
  const { table, id } = WORK[kind];
  const idCol = sql.raw(id);
  const from = after ? sql` and (deleted_at, ${idCol}) > (${after.deletedAt}::timestamptz, ${after.id}::uuid)` : sql``;
  const r = await tx.execute(sql`with batch as (
      select ${idCol} as id from ${table} where workspace_id = ${ws} and deleted_at is not null
        and deleted_at <= ${cutoff.toISOString()}::timestamptz${from}
        and ${idCol} not in ${heldRecords(ws, kind, now)}
      order by deleted_at, ${idCol} limit ${limit}
    ), gone as (
      delete from ${table} x using batch b where x.workspace_id = ${ws} and x.${idCol} = b.id
      returning x.${idCol} as id, x.deleted_at
    )
    select count(*) over ()::int as n, to_json(g.deleted_at) #>> '{}' as deleted_at, g.id::text as id
      from gone g order by g.deleted_at desc, g.id desc limit 1`);
  const [row] = rowsOf<{ n: number; deleted_at: string; id: string }>(r);
  if (!row) return { count: 0 };
  return { count: Number(row.n), last: { deletedAt: row.deleted_at, id: row.id } };
}
