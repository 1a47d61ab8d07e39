import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { members, sessions, workspaces, type WorkspaceRole } from '../../db/schema/index.ts';
import { withTenant, withUser } from '../../db/tenant.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';

export type TCreateWorkspace = { name: string; country: string; region: string };

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

export type MyWorkspace = { workspaceId: string; name: string; role: WorkspaceRole; country: string; region: string };

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
      })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.workspaceId, members.workspaceId))
      .where(eq(members.userId, userId))
      .orderBy(workspaces.workspaceId),
  );
}
