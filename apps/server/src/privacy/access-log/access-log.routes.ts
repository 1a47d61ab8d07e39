import { ZAccessList, ZAccessListQuery } from '@tillit/contracts';
import { inArray } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import { decodeCursor, encodeCursor } from '../../modules/people/people.cursor.ts';
import type { Services } from '../../services.ts';
import { listAccessesOf } from './access-log.service.ts';

const ZParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) }).strict();

/** Who read a person's record (the privacy panel's "who accessed it"); admins only. */
export function registerAccessLogRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/people/:id/accesses',
    {
      schema: {
        tags: ['privacy'],
        summary: "Who read this person's record, newest first (admins)",
        params: ZParams,
        querystring: ZAccessListQuery,
        response: { 200: ZAccessList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const q = request.query;
      const cursor = q.after ? decodeCursor(q.after, 'accesses', 'desc') : undefined;
      const before = cursor ? { at: new Date(cursor.value), id: cursor.id } : undefined;
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, async (tx) => {
        const page = await listAccessesOf(tx, ctx.workspaceId, request.params.id, {
          limit: q.limit,
          ...(before ? { before } : {}),
        });
        const userIds = [
          ...new Set(page.entries.filter((e) => e.actorKind === 'user' && e.actorId).map((e) => e.actorId as string)),
        ];
        const names = new Map(
          userIds.length
            ? (await tx.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, userIds))).map(
                (u) => [u.id, u.name],
              )
            : [],
        );
        return {
          items: page.entries.map((e) => ({
            id: e.entryId,
            occurredAt: e.occurredAt.toISOString(),
            actor: { kind: e.actorKind, id: e.actorId, name: e.actorId ? (names.get(e.actorId) ?? null) : null },
            action: e.action,
            via: e.via,
            sealed: e.sealedSeq !== null,
          })),
          nextCursor: page.next
            ? encodeCursor({ sort: 'accesses', dir: 'desc', value: page.next.at.toISOString(), id: page.next.id })
            : null,
        };
      });
    },
  );
}
