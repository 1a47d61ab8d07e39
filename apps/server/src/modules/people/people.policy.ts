import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { members, teamMembers, teams } from '../../db/schema/index.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { forbidden, validationFailed } from '../../lib/errors.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/**
 * Who sees and changes which people and companies (P-ACC-7).
 *
 * - viewer: reads what they can see; member: also creates, and changes, deletes and links
 *   what they can see; admin and owner: everything in the workspace.
 * - A record is seen by its owner always; by everyone when its visibility is 'workspace';
 *   by the members of its team when 'team'; by nobody else when 'private'. Admins and
 *   owners see every record (they can reassign or delete any record, and the workspace is
 *   the controller of the data, so its administrators must be able to answer for it).
 *
 * Visibility is a WHERE clause (`visibleTo`), so lists, gets, updates, deletes and links
 * never load a record the caller may not see; a hidden record is simply not found (404).
 */

export type RecordAccessColumns = {
  ownerId: AnyPgColumn;
  visibility: AnyPgColumn;
  teamId: AnyPgColumn;
};

export function seesEverything(actor: Actor): boolean {
  return roleAtLeast(actor.role, 'admin');
}

/** The condition a row of `t` must meet to be visible to `actor`; undefined = every row. */
export function visibleTo(actor: Actor, t: RecordAccessColumns): SQL | undefined {
  if (seesEverything(actor)) return undefined;
  return sql`(${t.visibility} = 'workspace' or ${t.ownerId} = ${actor.userId} or (${t.visibility} = 'team' and ${t.teamId} in (select ${teamMembers.teamId} from ${teamMembers} where ${teamMembers.workspaceId} = ${actor.workspaceId} and ${teamMembers.userId} = ${actor.userId})))`;
}

export function assertCanWrite(actor: Actor): void {
  if (!roleAtLeast(actor.role, 'member')) throw forbidden('This needs the member role or higher.');
}

export type VisibilityInput = { visibility?: 'private' | 'team' | 'workspace'; teamId?: string | null | undefined };
export type Visibility = { visibility: 'private' | 'team' | 'workspace'; teamId: string | null };

/** A 'team' record whose team was deleted (team_id cleared by the foreign key) is seen by
 *  its owner and the admins only: that is 'private', and it is shown and treated as such. */
export function effectiveVisibility(row: { visibility: Visibility['visibility']; teamId: string | null }): Visibility {
  if (row.visibility === 'team' && !row.teamId) return { visibility: 'private', teamId: null };
  return { visibility: row.visibility, teamId: row.teamId };
}

/**
 * The visibility a record gets from `input` over `current` (undefined on create). 'team'
 * needs a team of this workspace; a member (not an admin) must belong to it, so nobody
 * hands a record to a team they are not in.
 */
export async function resolveVisibility(
  tx: Tx,
  actor: Actor,
  input: VisibilityInput,
  current?: Visibility,
): Promise<Visibility> {
  const visibility = input.visibility ?? current?.visibility ?? 'workspace';
  if (visibility !== 'team') {
    if (input.teamId) throw validationFailed({ teamId: 'is only for visibility team' });
    return { visibility, teamId: null };
  }
  const teamId = input.teamId !== undefined ? input.teamId : (current?.teamId ?? null);
  if (!teamId) throw validationFailed({ teamId: 'is required when visibility is team' });
  if (teamId === current?.teamId && input.teamId === undefined) return { visibility, teamId };
  const [team] = await tx
    .select({ teamId: teams.teamId })
    .from(teams)
    .where(and(eq(teams.workspaceId, actor.workspaceId), eq(teams.teamId, teamId)));
  if (!team) throw validationFailed({ teamId: 'is not a team of this workspace' });
  if (!seesEverything(actor)) {
    const [mine] = await tx
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(
        and(
          eq(teamMembers.workspaceId, actor.workspaceId),
          eq(teamMembers.teamId, teamId),
          eq(teamMembers.userId, actor.userId),
        ),
      );
    if (!mine) throw validationFailed({ teamId: 'is not a team you belong to' });
  }
  return { visibility, teamId };
}

/** An owner must be a member of the workspace. */
export async function assertOwnerIsMember(tx: Tx, actor: Actor, ownerId: string): Promise<void> {
  if (ownerId === actor.userId) return;
  const [m] = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, actor.workspaceId), eq(members.userId, ownerId)));
  if (!m) throw validationFailed({ ownerId: 'is not a member of this workspace' });
}
