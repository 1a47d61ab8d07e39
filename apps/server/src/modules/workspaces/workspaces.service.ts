import type { TUpdateWorkspaceInput, TWorkspace, TWorkspaceList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { members, sessions, type WorkspaceRole, workspaces } from '../../db/schema/index.ts';
import { type HeldTransaction, withTenant, withUser } from '../../db/tenant.ts';
import type { InWorkspace } from '../../http/auth-context.ts';
import type { Json } from '../../lib/canonical-json.ts';
import { forbidden, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { assertCanSetRequireTwoFactor } from './workspaces.policy.ts';
import { presentMyWorkspace, presentWorkspace } from './workspaces.presenter.ts';

export type TCreateWorkspace = { name: string; country: string; region: string };

/** Who acts, where, with which role: what every workspace service needs from the request. */
export type Actor = {
  workspaceId: string;
  userId: string;
  role: WorkspaceRole;
  twoFactorEnabled: boolean;
  /** Set when a bearer API key made the request (then `userId` is the key's creator). */
  apiKeyId?: string | null;
  /** The transaction the request's check opened (`requireMember`'s `hold`), for its first
   *  `withTenant` (people's `inTenant` passes it on). */
  held?: HeldTransaction | undefined;
};

export function actorOf(ctx: InWorkspace): Actor {
  return {
    workspaceId: ctx.workspaceId,
    userId: ctx.user.id,
    role: ctx.role,
    twoFactorEnabled: ctx.user.twoFactorEnabled,
    apiKeyId: ctx.apiKey?.id ?? null,
    ...(ctx.held ? { held: ctx.held } : {}),
  };
}

/** Creates a workspace with `ownerId` as its owner, and makes it the active workspace of
 *  `sessionId` when given. */
export async function createWorkspace(
  services: Services,
  ownerId: string,
  input: TCreateWorkspace,
  sessionId?: string | null,
): Promise<{ workspaceId: string }> {
  const now = services.clock.now();
  const workspaceId = newId(now.getTime());
  await withTenant(services.database.db, { workspaceId, userId: ownerId }, async (tx) => {
    await tx.insert(workspaces).values({
      workspaceId,
      name: input.name,
      country: input.country,
      region: input.region,
      createdBy: ownerId,
      createdAt: now,
      updatedAt: now,
    });
    await tx.insert(members).values({ workspaceId, userId: ownerId, role: 'owner', createdAt: now });
    await appendAudit(
      tx,
      workspaceId,
      {
        actor: { kind: 'user', id: ownerId },
        action: 'workspace.created',
        target: { type: 'workspace', id: workspaceId },
        subjectUserId: ownerId,
      },
      now,
    );
  });
  if (sessionId) await setActiveWorkspace(services.database.db, sessionId, workspaceId);
  return { workspaceId };
}

export async function setActiveWorkspace(db: Db, sessionId: string, workspaceId: string | null): Promise<void> {
  await db.update(sessions).set({ activeWorkspaceId: workspaceId }).where(eq(sessions.id, sessionId));
}

export type MyWorkspace = {
  workspaceId: string;
  name: string;
  role: WorkspaceRole;
  country: string;
  region: string;
  requireTwoFactor: boolean;
};

/** The workspaces the user belongs to, oldest first. */
export async function listMyWorkspaces(db: Db, userId: string): Promise<MyWorkspace[]> {
  return withUser(db, userId, async (tx) =>
    tx
      .select({
        workspaceId: workspaces.workspaceId,
        name: workspaces.name,
        role: members.role,
        country: workspaces.country,
        region: workspaces.region,
        requireTwoFactor: workspaces.requireTwoFactor,
      })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.workspaceId, members.workspaceId))
      .where(eq(members.userId, userId))
      .orderBy(workspaces.workspaceId),
  );
}

/** "My workspaces" with the session's active one marked. An active workspace the user has
 *  since left reads as none. */
export async function listMyWorkspacesForSession(
  db: Db,
  userId: string,
  activeWorkspaceId: string | null,
): Promise<TWorkspaceList> {
  const rows = await listMyWorkspaces(db, userId);
  const active = rows.some((r) => r.workspaceId === activeWorkspaceId) ? activeWorkspaceId : null;
  return { workspaces: rows.map((r) => presentMyWorkspace(r, active)), activeWorkspaceId: active };
}

export async function getWorkspace(services: Services, actor: Actor): Promise<TWorkspace> {
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const [row] = await tx.select().from(workspaces).where(eq(workspaces.workspaceId, actor.workspaceId));
    if (!row) throw notFound('The workspace');
    return presentWorkspace(row, actor.role);
  });
}

/** Changes name, country, region or the two-factor requirement; records what changed. */
export async function updateWorkspace(
  services: Services,
  actor: Actor,
  input: TUpdateWorkspaceInput,
): Promise<TWorkspace> {
  const now = services.clock.now();
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, async (tx) => {
    const [row] = await tx.select().from(workspaces).where(eq(workspaces.workspaceId, actor.workspaceId)).for('update');
    if (!row) throw notFound('The workspace');
    const changes: Record<string, { from: Json; to: Json }> = {};
    if (input.name !== undefined && input.name !== row.name) changes.name = { from: row.name, to: input.name };
    if (input.country !== undefined && input.country !== row.country) {
      changes.country = { from: row.country, to: input.country };
    }
    if (input.region !== undefined && input.region !== row.region) {
      changes.region = { from: row.region, to: input.region };
    }
    if (input.requireTwoFactor !== undefined && input.requireTwoFactor !== row.requireTwoFactor) {
      assertCanSetRequireTwoFactor(actor.role, input.requireTwoFactor, actor.twoFactorEnabled);
      changes.requireTwoFactor = { from: row.requireTwoFactor, to: input.requireTwoFactor };
    }
    if (Object.keys(changes).length === 0) return presentWorkspace(row, actor.role);
    const [updated] = await tx
      .update(workspaces)
      .set({
        ...(changes.name ? { name: input.name } : {}),
        ...(changes.country ? { country: input.country } : {}),
        ...(changes.region ? { region: input.region } : {}),
        ...(changes.requireTwoFactor ? { requireTwoFactor: input.requireTwoFactor } : {}),
        updatedAt: now,
      })
      .where(eq(workspaces.workspaceId, actor.workspaceId))
      .returning();
    if (!updated) throw notFound('The workspace');
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'workspace.updated',
        target: { type: 'workspace', id: actor.workspaceId },
        details: { changes },
      },
      now,
    );
    return presentWorkspace(updated, actor.role);
  });
}

/** Makes `workspaceId` the session's active workspace, if the user is a member there. */
export async function switchWorkspace(
  services: Services,
  user: { id: string; sessionId: string },
  workspaceId: string,
): Promise<TWorkspace> {
  return withTenant(services.database.db, { workspaceId, userId: user.id }, async (tx) => {
    const [row] = await tx
      .select({ w: workspaces, role: members.role })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.workspaceId, members.workspaceId))
      .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, user.id)));
    if (!row) throw forbidden('You are not a member of this workspace.');
    await tx.update(sessions).set({ activeWorkspaceId: workspaceId }).where(eq(sessions.id, user.sessionId));
    return presentWorkspace(row.w, row.role);
  });
}
