import type { TTeam, TTeamInput } from '@tillit/contracts';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { members, teamMembers, teams } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { conflict, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { presentTeam } from './workspaces.presenter.ts';
import type { Actor } from './workspaces.service.ts';

const nameTaken = () => conflict('A team with this name already exists.', { name: 'is already taken' });

/** The unique index on lower(name) is the real guard; a race past the check lands here. */
function isNameConflict(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const pg = e as { code?: string; constraint?: string };
    if (pg.code === '23505' && pg.constraint === 'teams_workspace_name_key') return true;
  }
  return false;
}

async function inTenant<T>(services: Services, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, fn);
  } catch (err) {
    if (isNameConflict(err)) throw nameTaken();
    throw err;
  }
}

async function assertNameFree(tx: Tx, workspaceId: string, name: string, exceptTeamId?: string) {
  const conds = [eq(teams.workspaceId, workspaceId), sql`lower(${teams.name}) = lower(${name})`];
  if (exceptTeamId) conds.push(ne(teams.teamId, exceptTeamId));
  const [clash] = await tx
    .select({ teamId: teams.teamId })
    .from(teams)
    .where(and(...conds));
  if (clash) throw nameTaken();
}

async function findTeam(tx: Tx, workspaceId: string, teamId: string) {
  const [row] = await tx
    .select()
    .from(teams)
    .where(and(eq(teams.workspaceId, workspaceId), eq(teams.teamId, teamId)));
  if (!row) throw notFound('The team');
  return row;
}

async function memberIdsOf(tx: Tx, workspaceId: string, teamId: string): Promise<string[]> {
  const rows = await tx
    .select({ userId: teamMembers.userId })
    .from(teamMembers)
    .where(and(eq(teamMembers.workspaceId, workspaceId), eq(teamMembers.teamId, teamId)))
    .orderBy(asc(teamMembers.userId));
  return rows.map((r) => r.userId);
}

/** Every team of the workspace with who is in it: every member may see this. */
export async function listTeams(services: Services, actor: Actor): Promise<TTeam[]> {
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(teams)
      .where(eq(teams.workspaceId, actor.workspaceId))
      .orderBy(asc(sql`lower(${teams.name})`));
    const links = await tx
      .select({ teamId: teamMembers.teamId, userId: teamMembers.userId })
      .from(teamMembers)
      .where(eq(teamMembers.workspaceId, actor.workspaceId))
      .orderBy(asc(teamMembers.userId));
    const byTeam = new Map<string, string[]>();
    for (const l of links) byTeam.set(l.teamId, [...(byTeam.get(l.teamId) ?? []), l.userId]);
    return rows.map((r) => presentTeam(r, byTeam.get(r.teamId) ?? []));
  });
}

export async function createTeam(services: Services, actor: Actor, input: TTeamInput): Promise<TTeam> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await assertNameFree(tx, actor.workspaceId, input.name);
    const [row] = await tx
      .insert(teams)
      .values({ workspaceId: actor.workspaceId, teamId: newId(now.getTime()), name: input.name, createdAt: now })
      .returning();
    if (!row) throw new Error('team insert returned nothing');
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'team.created',
        target: { type: 'team', id: row.teamId },
        details: { name: row.name },
      },
      now,
    );
    return presentTeam(row, []);
  });
}

export async function renameTeam(services: Services, actor: Actor, teamId: string, input: TTeamInput): Promise<TTeam> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const team = await findTeam(tx, actor.workspaceId, teamId);
    const ids = await memberIdsOf(tx, actor.workspaceId, teamId);
    if (team.name === input.name) return presentTeam(team, ids);
    await assertNameFree(tx, actor.workspaceId, input.name, teamId);
    const [row] = await tx
      .update(teams)
      .set({ name: input.name })
      .where(and(eq(teams.workspaceId, actor.workspaceId), eq(teams.teamId, teamId)))
      .returning();
    if (!row) throw notFound('The team');
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'team.renamed',
        target: { type: 'team', id: teamId },
        details: { from: team.name, to: row.name },
      },
      now,
    );
    return presentTeam(row, ids);
  });
}

export async function deleteTeam(services: Services, actor: Actor, teamId: string): Promise<void> {
  const now = services.clock.now();
  await inTenant(services, actor, async (tx) => {
    const team = await findTeam(tx, actor.workspaceId, teamId);
    const ids = await memberIdsOf(tx, actor.workspaceId, teamId);
    // Pending invitations to this team lose their team (ON DELETE SET NULL (team_id)).
    await tx.delete(teams).where(and(eq(teams.workspaceId, actor.workspaceId), eq(teams.teamId, teamId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'team.deleted',
        target: { type: 'team', id: teamId },
        details: { name: team.name, memberIds: ids },
      },
      now,
    );
  });
}

async function assertMember(tx: Tx, workspaceId: string, userId: string) {
  const [row] = await tx
    .select({ userId: members.userId })
    .from(members)
    .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, userId)));
  if (!row) throw notFound('The member');
}

export async function addTeamMember(services: Services, actor: Actor, teamId: string, userId: string): Promise<TTeam> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const team = await findTeam(tx, actor.workspaceId, teamId);
    await assertMember(tx, actor.workspaceId, userId);
    const added = await tx
      .insert(teamMembers)
      .values({ workspaceId: actor.workspaceId, teamId, userId, createdAt: now })
      .onConflictDoNothing()
      .returning({ userId: teamMembers.userId });
    if (added.length > 0) {
      await appendAudit(
        tx,
        actor.workspaceId,
        {
          actor: { kind: 'user', id: actor.userId },
          action: 'team.member_added',
          target: { type: 'team', id: teamId },
          subjectUserId: userId,
        },
        now,
      );
    }
    return presentTeam(team, await memberIdsOf(tx, actor.workspaceId, teamId));
  });
}

export async function removeTeamMember(
  services: Services,
  actor: Actor,
  teamId: string,
  userId: string,
): Promise<TTeam> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const team = await findTeam(tx, actor.workspaceId, teamId);
    await assertMember(tx, actor.workspaceId, userId);
    const removed = await tx
      .delete(teamMembers)
      .where(
        and(
          eq(teamMembers.workspaceId, actor.workspaceId),
          eq(teamMembers.teamId, teamId),
          eq(teamMembers.userId, userId),
        ),
      )
      .returning({ userId: teamMembers.userId });
    if (removed.length > 0) {
      await appendAudit(
        tx,
        actor.workspaceId,
        {
          actor: { kind: 'user', id: actor.userId },
          action: 'team.member_removed',
          target: { type: 'team', id: teamId },
          subjectUserId: userId,
        },
        now,
      );
    }
    return presentTeam(team, await memberIdsOf(tx, actor.workspaceId, teamId));
  });
}
