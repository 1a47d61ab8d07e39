import type { TMember, TMemberListQuery, TMemberPage } from '@tillit/contracts';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { members, sessions, teamMembers, teams, users, type WorkspaceRole } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { forbidden, notFound } from '../../lib/errors.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { assertCanChangeRole, assertCanRemove } from './workspaces.policy.ts';
import { type MemberRow, presentMember } from './workspaces.presenter.ts';
import type { Actor } from './workspaces.service.ts';

const memberColumns = {
  userId: members.userId,
  name: users.name,
  email: users.email,
  role: members.role,
  twoFactorEnabled: users.twoFactorEnabled,
  joinedAt: members.createdAt,
};

async function teamsOf(tx: Tx, workspaceId: string, userIds: string[]) {
  const byUser = new Map<string, { teamId: string; name: string }[]>();
  if (userIds.length === 0) return byUser;
  const rows = await tx
    .select({ userId: teamMembers.userId, teamId: teams.teamId, name: teams.name })
    .from(teamMembers)
    .innerJoin(teams, and(eq(teams.workspaceId, teamMembers.workspaceId), eq(teams.teamId, teamMembers.teamId)))
    .where(and(eq(teamMembers.workspaceId, workspaceId), inArray(teamMembers.userId, userIds)))
    .orderBy(asc(teams.name));
  for (const r of rows) {
    const list = byUser.get(r.userId) ?? [];
    list.push({ teamId: r.teamId, name: r.name });
    byUser.set(r.userId, list);
  }
  return byUser;
}

async function findMember(tx: Tx, workspaceId: string, userId: string, lock = false): Promise<MemberRow | undefined> {
  const q = tx
    .select(memberColumns)
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, userId)));
  const [row] = lock ? await q.for('update', { of: members }) : await q;
  return row;
}

/** Locks the owner rows, so two owners demoting each other at once cannot leave none. */
async function lockedOwnerCount(tx: Tx, workspaceId: string): Promise<number> {
  const rows = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, workspaceId), eq(members.role, 'owner')))
    .for('update');
  return rows.length;
}

/** The actor's role as of this transaction (after the owner rows are locked): a role
 *  taken away a moment ago no longer counts. */
async function roleNow(tx: Tx, actor: Actor): Promise<WorkspaceRole> {
  const [row] = await tx
    .select({ role: members.role })
    .from(members)
    .where(and(eq(members.workspaceId, actor.workspaceId), eq(members.userId, actor.userId)));
  if (!row) throw forbidden('You are not a member of this workspace.');
  return row.role;
}

/** One page of members in user-id order (keyset pagination by `after`). */
export async function listMembers(services: Services, actor: Actor, query: TMemberListQuery): Promise<TMemberPage> {
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const conds = [eq(members.workspaceId, actor.workspaceId)];
    if (query.after) conds.push(gt(members.userId, query.after));
    const rows = await tx
      .select(memberColumns)
      .from(members)
      .innerJoin(users, eq(users.id, members.userId))
      .where(and(...conds))
      .orderBy(asc(members.userId))
      .limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    const byUser = await teamsOf(
      tx,
      actor.workspaceId,
      page.map((r) => r.userId),
    );
    const last = page.at(-1);
    return {
      members: page.map((r) => presentMember(r, byUser.get(r.userId) ?? [])),
      nextAfter: rows.length > query.limit && last ? last.userId : null,
    };
  });
}

export async function changeMemberRole(
  services: Services,
  actor: Actor,
  userId: string,
  role: WorkspaceRole,
): Promise<TMember> {
  const now = services.clock.now();
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const owners = await lockedOwnerCount(tx, actor.workspaceId);
    const actorRole = await roleNow(tx, actor);
    const target = await findMember(tx, actor.workspaceId, userId, true);
    if (!target) throw notFound('The member');
    assertCanChangeRole(actorRole, target.role, role, owners);
    const byUser = await teamsOf(tx, actor.workspaceId, [userId]);
    if (target.role === role) return presentMember(target, byUser.get(userId) ?? []);
    await tx
      .update(members)
      .set({ role })
      .where(and(eq(members.workspaceId, actor.workspaceId), eq(members.userId, userId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'member.role_changed',
        target: { type: 'user', id: userId },
        subjectUserId: userId,
        details: { from: target.role, to: role },
      },
      now,
    );
    return presentMember({ ...target, role }, byUser.get(userId) ?? []);
  });
}

/**
 * Removes a member (or lets a member leave): their membership and team memberships go,
 * and the sessions they have open in this workspace end at once. A member who leaves keeps
 * their sessions, which simply have no active workspace any more.
 */
export async function removeMember(services: Services, actor: Actor, userId: string): Promise<void> {
  const now = services.clock.now();
  const self = userId === actor.userId;
  await withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const owners = await lockedOwnerCount(tx, actor.workspaceId);
    const actorRole = await roleNow(tx, actor);
    const target = await findMember(tx, actor.workspaceId, userId, true);
    if (!target) throw notFound('The member');
    assertCanRemove(actorRole, target.role, self, owners);
    await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.workspaceId, actor.workspaceId), eq(teamMembers.userId, userId)));
    await tx.delete(members).where(and(eq(members.workspaceId, actor.workspaceId), eq(members.userId, userId)));
    const inThisWorkspace = and(eq(sessions.userId, userId), eq(sessions.activeWorkspaceId, actor.workspaceId));
    const ended = self
      ? await tx.update(sessions).set({ activeWorkspaceId: null }).where(inThisWorkspace).returning({ id: sessions.id })
      : await tx.delete(sessions).where(inThisWorkspace).returning({ id: sessions.id });
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'member.removed',
        target: { type: 'user', id: userId },
        subjectUserId: userId,
        details: { role: target.role, left: self, sessionsEnded: self ? 0 : ended.length },
      },
      now,
    );
  });
}
