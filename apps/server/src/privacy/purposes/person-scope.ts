import type { TPermissionAction } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { Tx } from '../../db/client.ts';
import { people } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { notFound } from '../../lib/errors.ts';
import { visibleTo } from '../../modules/people/people.policy.ts';
import { requireAllowed } from '../../modules/permissions/permissions.ts';
import { type Actor, actorOf } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { type AccessActor, accessActorOf } from '../access-log/access-log.service.ts';
import { type PrivacyCtx, privacyCtxOf } from './privacy-context.ts';

/**
 * For the routes on one person's privacy: the caller must be allowed `action` on people
 * (the permission matrix and, for an API key, its scope: read to see, update to change)
 * and must see the person (a private person of another member is not found, 404).
 */
export async function withPersonScope<T>(
  services: Services,
  request: FastifyRequest,
  personId: string,
  action: TPermissionAction,
  fn: (tx: Tx, scope: { ctx: PrivacyCtx; actor: Actor; access: AccessActor }) => Promise<T>,
): Promise<T> {
  const ws = await requireAllowed(services, request, 'people', action);
  const actor = actorOf(ws);
  const ctx = privacyCtxOf(ws, services.clock.now());
  return withTenant(services.database.db, { workspaceId: ws.workspaceId, userId: ws.user.id }, async (tx) => {
    const [row] = await tx
      .select({ id: people.personId })
      .from(people)
      .where(and(eq(people.workspaceId, ws.workspaceId), eq(people.personId, personId), visibleTo(actor, people)));
    if (!row) throw notFound('The person');
    return fn(tx, { ctx, actor, access: accessActorOf(ws) });
  });
}

/** The request's IP and user agent, for a consent the person gives through a public link. */
export function channelOf(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 500) : null };
}
