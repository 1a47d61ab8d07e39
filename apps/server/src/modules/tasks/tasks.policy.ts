import { type SQL, sql } from 'drizzle-orm';
import { tasks } from '../../db/schema/index.ts';
import { seesEverything, visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/** The visibility columns of a task, for people.policy: the creator owns it. */
export const taskAccess = { ownerId: tasks.createdBy, visibility: tasks.visibility, teamId: tasks.teamId };

/** A task is seen as people's records are (its creator, its team, the workspace, admins),
 *  and also by its assignee: nobody is given work they cannot see. */
export function taskVisibleTo(actor: Actor): SQL | undefined {
  if (seesEverything(actor)) return undefined;
  return sql`(${visibleTo(actor, taskAccess)} or ${tasks.assigneeId} = ${actor.userId})`;
}
