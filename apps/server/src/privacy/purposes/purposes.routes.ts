import {
  type TObjection,
  ZCreatePurposeBody,
  ZObjection,
  ZPersonParams,
  ZPurpose,
  ZPurposeList,
  ZPurposeParams,
  ZRecordObjectionBody,
  ZUpdatePurposeBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { personObjections } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { withPersonScope } from './person-scope.ts';
import { privacyCtxOf } from './privacy-context.ts';
import {
  createPurpose,
  listPurposes,
  presentPurpose,
  recordObjection,
  updatePurpose,
  withdrawObjection,
} from './purposes.service.ts';

export function presentObjection(o: typeof personObjections.$inferSelect): TObjection {
  return {
    id: o.objectionId,
    scope: o.scope,
    purposeKey: o.purposeKey || null,
    reason: o.reason,
    recordedAt: o.recordedAt.toISOString(),
    recordedBy: o.recordedBy,
    withdrawnAt: o.withdrawnAt ? o.withdrawnAt.toISOString() : null,
  };
}

const ZObjectionParams = z
  .object({ id: z.uuid({ error: 'must be a UUID' }), objectionId: z.uuid({ error: 'must be a UUID' }) })
  .strict();

/** Purposes (any member reads them; admins add and change the workspace's own) and the
 *  objections of a person (members who may change people). */
export function registerPurposeRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];

  r.get(
    '/api/privacy/purposes',
    {
      schema: {
        tags,
        summary:
          'Purposes of processing with their legal basis, categories and retention (built-in and the workspace’s own)',
        querystring: z.object({ archived: z.enum(['true', 'false']).optional() }).strict(),
        response: { 200: ZPurposeList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'viewer');
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, async (tx) => ({
        items: (await listPurposes(tx, ctx.workspaceId, { includeArchived: request.query.archived === 'true' })).map(
          presentPurpose,
        ),
      }));
    },
  );

  r.post(
    '/api/privacy/purposes',
    {
      schema: {
        tags,
        summary: 'Add a purpose of this workspace (admins)',
        body: ZCreatePurposeBody,
        response: { 201: ZPurpose },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      const purpose = await withTenant(
        services.database.db,
        { workspaceId: ctx.workspaceId, userId: ctx.user.id },
        (tx) => createPurpose(tx, privacyCtxOf(ctx, services.clock.now()), request.body),
      );
      return reply.status(201).send(presentPurpose(purpose));
    },
  );

  r.patch(
    '/api/privacy/purposes/:key',
    {
      schema: {
        tags,
        summary: 'Change or archive a purpose of this workspace (admins; built-in purposes are fixed)',
        params: ZPurposeParams,
        body: ZUpdatePurposeBody,
        response: { 200: ZPurpose },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const purpose = await withTenant(
        services.database.db,
        { workspaceId: ctx.workspaceId, userId: ctx.user.id },
        (tx) => updatePurpose(tx, privacyCtxOf(ctx, services.clock.now()), request.params.key, request.body),
      );
      return presentPurpose(purpose);
    },
  );

  r.post(
    '/api/v1/people/:id/objections',
    {
      schema: {
        tags,
        summary:
          'Record an objection: to a legitimate-interest purpose (one, or all), to direct marketing, or to profiling',
        params: ZPersonParams,
        body: ZRecordObjectionBody,
        response: { 200: ZObjection },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'update', async (tx, { ctx }) =>
        presentObjection(
          await recordObjection(tx, ctx, request.params.id, {
            scope: request.body.scope,
            purposeKey: request.body.purposeKey,
            reason: request.body.reason,
          }),
        ),
      ),
  );

  r.post(
    '/api/v1/people/:id/objections/:objectionId/withdraw',
    {
      schema: {
        tags,
        summary: 'The person withdraws an objection (kept in the history, marked withdrawn)',
        params: ZObjectionParams,
        response: { 200: ZObjection },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'update', async (tx, { ctx }) =>
        presentObjection(await withdrawObjection(tx, ctx, request.params.id, request.params.objectionId)),
      ),
  );
}
