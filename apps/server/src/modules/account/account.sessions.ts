import { and, desc, eq, ne } from 'drizzle-orm';
import { workspacesOfUser } from '../../auth/sign-in-audit.ts';
import { sessions } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { recordAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';

export type SessionView = {
  id: string;
  current: boolean;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
};

/** My signed-in sessions, newest first, without their tokens. */
export async function listMySessions(services: Services, userId: string, currentId: string): Promise<SessionView[]> {
  const rows = await services.database.db
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.createdAt))
    .limit(200);
  const now = services.clock.now().getTime();
  return rows
    .filter((s) => s.expiresAt.getTime() > now)
    .map((s) => ({
      id: s.id,
      current: s.id === currentId,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      ipAddress: s.ipAddress,
      userAgent: s.userAgent,
    }));
}

async function auditRevocation(
  services: Services,
  userId: string,
  count: number,
  personal: { ip: string | null; userAgent: string | null },
) {
  const chains = await workspacesOfUser(services.database.db, userId);
  for (const workspaceId of chains.length ? chains : [INSTANCE_SCOPE]) {
    await recordAudit(
      services.database.db,
      workspaceId,
      {
        actor: { kind: 'user', id: userId },
        action: 'auth.sessions_revoked',
        subjectUserId: userId,
        details: { count },
        personal,
      },
      services.clock.now(),
    );
  }
}

/** Ends one of my other sessions at once. The current one ends by signing out. */
export async function revokeMySession(
  services: Services,
  userId: string,
  currentId: string,
  sessionId: string,
  personal: { ip: string | null; userAgent: string | null },
): Promise<void> {
  const deleted = await services.database.db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), ne(sessions.id, currentId)))
    .returning({ id: sessions.id });
  if (deleted.length === 0) throw notFound('The session');
  await auditRevocation(services, userId, 1, personal);
}

/** Ends every session of mine but this one. */
export async function revokeMyOtherSessions(
  services: Services,
  userId: string,
  currentId: string,
  personal: { ip: string | null; userAgent: string | null },
): Promise<number> {
  const deleted = await services.database.db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), ne(sessions.id, currentId)))
    .returning({ id: sessions.id });
  if (deleted.length) await auditRevocation(services, userId, deleted.length, personal);
  return deleted.length;
}
