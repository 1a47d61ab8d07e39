import {
  type TPersonPrivacy,
  type TRestriction,
  ZPersonParams,
  ZPersonPrivacy,
  ZRestrictBody,
  ZRestriction,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.ts';
import { recordAccess } from '../access-log/access-log.service.ts';
import { consentStateAt } from '../consent/consent.service.ts';
import { withPersonScope } from '../purposes/person-scope.ts';
import { presentObjection } from '../purposes/purposes.routes.ts';
import { listObjections, listPurposes, whyRefused } from '../purposes/purposes.service.ts';
import { currentNotice } from '../register/notice.service.ts';
import { liftRestriction, listRestrictions, type RestrictionRow, restrictPerson } from './restriction.service.ts';

export function presentRestriction(r: RestrictionRow): TRestriction {
  return {
    id: r.restrictionId,
    reason: r.reason,
    requestId: r.requestId,
    restrictedAt: r.restrictedAt.toISOString(),
    restrictedBy: r.restrictedBy,
    liftedAt: r.liftedAt ? r.liftedAt.toISOString() : null,
    liftReason: r.liftReason,
  };
}

/** Restriction of a person (P-DSR-2) and the person's privacy panel. */
export function registerRestrictionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];

  r.get(
    '/api/v1/people/:id/privacy',
    {
      schema: {
        tags,
        summary:
          'The privacy panel of a person: per purpose whether it may run now and why not, consents, restriction, objections',
        params: ZPersonParams,
        response: { 200: ZPersonPrivacy },
      },
    },
    async (request) =>
      withPersonScope(
        services,
        request,
        request.params.id,
        'read',
        async (tx, { ctx, access }): Promise<TPersonPrivacy> => {
          const personId = request.params.id;
          const ws = ctx.workspaceId;
          const purposes = await listPurposes(tx, ws);
          const states = await consentStateAt(tx, ws, personId, ctx.now);
          const restrictions = await listRestrictions(tx, ws, personId);
          const active = restrictions.find((x) => x.liftedAt === null) ?? null;
          const verdicts = [];
          for (const p of purposes) {
            const why = await whyRefused(tx, ws, personId, p, ctx.now);
            verdicts.push({
              purposeKey: p.key,
              name: p.name,
              legalBasis: p.legalBasis,
              allowed: why === null,
              reason: why,
            });
          }
          const notice = await currentNotice(tx, ws, ctx.now);
          await recordAccess(
            tx,
            ws,
            { actor: access, action: 'read', via: 'privacy.person', subjects: { kind: 'person', ids: [personId] } },
            ctx.now,
          );
          return {
            personId,
            restricted: active !== null,
            restriction: active ? presentRestriction(active) : null,
            restrictions: restrictions.map(presentRestriction),
            objections: (await listObjections(tx, ws, personId)).map(presentObjection),
            consents: purposes
              .filter((p) => p.legalBasis === 'consent' || states.has(p.key))
              .map((p) => {
                const s = states.get(p.key);
                return {
                  purposeKey: p.key,
                  state: s?.state ?? null,
                  recordId: s?.recordId ?? null,
                  recordedAt: s ? s.recordedAt.toISOString() : null,
                  noticeVersion: s?.noticeVersion ?? null,
                  expiresAt: s?.expiresAt ? s.expiresAt.toISOString() : null,
                };
              }),
            purposes: verdicts,
            noticeVersion: notice.version,
          };
        },
      ),
  );

  r.post(
    '/api/v1/people/:id/restriction',
    {
      schema: {
        tags,
        summary: 'Restrict processing of a person (e.g. while a correction is pending): the record becomes read-only',
        params: ZPersonParams,
        body: ZRestrictBody,
        response: { 200: ZRestriction },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'update', async (tx, { ctx }) =>
        presentRestriction(await restrictPerson(tx, ctx, request.params.id, { reason: request.body.reason })),
      ),
  );

  r.post(
    '/api/v1/people/:id/restriction/lift',
    {
      schema: {
        tags,
        summary: 'Lift the restriction of a person',
        params: ZPersonParams,
        body: ZRestrictBody,
        response: { 200: ZRestriction },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'update', async (tx, { ctx }) =>
        presentRestriction(await liftRestriction(tx, ctx, request.params.id, { reason: request.body.reason })),
      ),
  );
}
