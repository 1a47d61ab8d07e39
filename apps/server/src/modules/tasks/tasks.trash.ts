import { type SQL, sql } from 'drizzle-orm';
import { projects, tasks } from '../../db/schema/index.ts';
import { projectVisibleTo } from '../projects/projects.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { taskVisibleTo } from './tasks.policy.ts';

/** Tasks and projects in the shared trash (people/trash.service.ts): the parts of its list's
 *  union (the purge is the retention trash rule's: privacy/retention/retention.trash-batch.ts). */
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
