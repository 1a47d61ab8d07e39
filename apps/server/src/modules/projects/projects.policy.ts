import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { projectMembers, projects } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { seesEverything, visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/** A project is seen as people's records are (owner, team, workspace, admins), and also by
 *  its members: whoever works on a project must see it. */
export function projectVisibleTo(actor: Actor): SQL | undefined {
  if (seesEverything(actor)) return undefined;
  return sql`(${visibleTo(actor, projects)} or ${projects.projectId} = any(array(select ${projectMembers.projectId} from ${projectMembers} where ${projectMembers.workspaceId} = ${actor.workspaceId} and ${projectMembers.userId} = ${actor.userId})))`;
}

/** A live project the caller can see, or 404 (for linking a task to it). */
export async function assertProjectVisible(tx: Tx, actor: Actor, projectId: string | null | undefined) {
  if (!projectId) return;
  const [p] = await tx
    .select({ id: projects.projectId })
    .from(projects)
    .where(
      and(
        eq(projects.workspaceId, actor.workspaceId),
        eq(projects.projectId, projectId),
        isNull(projects.deletedAt),
        projectVisibleTo(actor),
      ),
    );
  if (!p) throw notFound('The project');
}
