import {
  ZCreateLegalHoldBody,
  ZLegalHold,
  ZLegalHoldList,
  ZLegalHoldListQuery,
  ZLegalHoldParams,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import { validationFailed } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { listHolds, placeHold, releaseHold } from './legal-holds.service.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Legal holds (P-DSR-3, P-RET-2): admins place, list and release them; every change audited. */
export function registerLegalHoldRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tenant = <T>(ctx: { workspaceId: string; user: { id: string } }, fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, fn);

  r.get(
    '/api/v1/legal-holds',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Legal holds of the workspace, newest first (admins)',
        querystring: ZLegalHoldListQuery,
        response: { 200: ZLegalHoldList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const q = request.query;
      if (q.after && !UUID.test(q.after)) throw validationFailed({ after: 'is not a cursor from this list' });
      const now = services.clock.now();
      const page = await tenant(ctx, (tx) =>
        listHolds(
          tx,
          ctx.workspaceId,
          {
            ...(q.personId ? { personId: q.personId } : {}),
            ...(q.active ? { active: q.active === 'true' } : {}),
            limit: q.limit,
            ...(q.after ? { before: q.after } : {}),
          },
          now,
        ),
      );
      return { items: page.items, nextCursor: page.next };
    },
  );

  r.post(
    '/api/v1/legal-holds',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Place a legal hold on a record of a person (admins)',
        body: ZCreateLegalHoldBody,
        response: { 201: ZLegalHold },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      const now = services.clock.now();
      const hold = await tenant(ctx, (tx) =>
        placeHold(tx, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, request.body, now),
      );
      return reply.status(201).send(hold);
    },
  );

  r.post(
    '/api/v1/legal-holds/:id/release',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Release a legal hold (admins)',
        params: ZLegalHoldParams,
        response: { 200: ZLegalHold },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const now = services.clock.now();
      return tenant(ctx, (tx) =>
        releaseHold(tx, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, request.params.id, now),
      );
    },
  );
}
