import { ZErasePersonBody, ZErasureCertificate, ZErasureList, ZLiftTombstoneBody } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { certificatesOf, erasePerson } from './erasure.service.ts';
import { liftTombstone } from './tombstones.ts';

const ZParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) }).strict();

/** Erasure for staff (P-DSR-3): admins only; the data-subject request workflow calls
 *  `erasePerson` itself. */
export function registerErasureRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/people/:id/erase',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Erase a person for good, except what a legal hold keeps; answers the certificate (admins)',
        params: ZParams,
        body: ZErasePersonBody,
        response: { 200: ZErasureCertificate },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, (tx) =>
        erasePerson(
          tx,
          { services, workspaceId: ctx.workspaceId, actor: { kind: 'user', id: ctx.user.id } },
          request.params.id,
          { reason: request.body.reason, ...(request.body.requestId ? { requestId: request.body.requestId } : {}) },
        ),
      );
    },
  );

  r.get(
    '/api/v1/people/:id/erasures',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The erasure certificates of a person, newest first (admins)',
        params: ZParams,
        response: { 200: ZErasureList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const items = await withTenant(
        services.database.db,
        { workspaceId: ctx.workspaceId, userId: ctx.user.id },
        (tx) => certificatesOf(tx, ctx.workspaceId, request.params.id),
      );
      return { items };
    },
  );

  r.post(
    '/api/v1/tombstones/lift',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Let an erased email or phone back in after a new consent (admins)',
        body: ZLiftTombstoneBody,
        response: { 200: z.object({ kind: z.enum(['email', 'phone']), hash: z.string() }) },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const b = request.body;
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, (tx) =>
        liftTombstone(
          tx,
          {
            keys: services.keys,
            workspaceId: ctx.workspaceId,
            actor: { kind: 'user', id: ctx.user.id },
            now: services.clock.now(),
            dataDir: services.config.dataDir,
          },
          { kind: b.kind, value: b.value },
          { consentId: b.consentId ?? null, evidence: b.evidence ?? null },
        ),
      );
    },
  );
}
