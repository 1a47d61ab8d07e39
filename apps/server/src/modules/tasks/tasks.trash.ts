import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { projects, tasks } from '../../db/schema/index.ts';
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

const BATCH = 500;

/** Tasks first (their links and notifications go with them, by cascade), then projects (their
 *  members and links by cascade; live tasks of a purged project lose the link, SET NULL). */
export async function purgeTasksAndProjects(tx: Tx, workspaceId: string, cutoff: Date) {
  const before = cutoff.toISOString();
  let removedTasks = 0;
  let removedProjects = 0;
  for (;;) {
    const r =
      await tx.execute(sql`delete from ${tasks} where ${tasks.workspaceId} = ${workspaceId} and ${tasks.taskId} in (
        select task_id from tasks where workspace_id = ${workspaceId} and deleted_at is not null and deleted_at <= ${before}::timestamptz limit ${BATCH})
      returning task_id`);
    const n = (r as unknown as { rows: unknown[] }).rows.length;
    removedTasks += n;
    if (n < BATCH) break;
  }
  for (;;) {
    const r =
      await tx.execute(sql`delete from ${projects} where ${projects.workspaceId} = ${workspaceId} and ${projects.projectId} in (
        select project_id from projects where workspace_id = ${workspaceId} and deleted_at is not null and deleted_at <= ${before}::timestamptz limit ${BATCH})
      returning project_id`);
    const n = (r as unknown as { rows: unknown[] }).rows.length;
    removedProjects += n;
    if (n < BATCH) break;
  }
  return { removedTasks, removedProjects };
}
