import {
  type TConsentRecord,
  ZConsentAtQuery,
  ZConsentHistory,
  ZConsentHistoryQuery,
  ZConsentRecord,
  ZConsentStateAt,
  ZConsentTokenBody,
  ZConsentTokenResult,
  ZDoubleOptInBody,
  ZPersonParams,
  ZRecordConsentBody,
} from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaces } from '../../db/schema/index.ts';
import { decodeCursor, encodeCursor } from '../../modules/people/people.cursor.ts';
import type { Services } from '../../services.ts';
import { recordAccess } from '../access-log/access-log.service.ts';
import { channelOf, withPersonScope } from '../purposes/person-scope.ts';
import { listPurposes } from '../purposes/purposes.service.ts';
import { confirmByToken, startDoubleOptIn, withdrawByToken } from './consent.links.ts';
import { type ConsentRecordRow, consentHistory, consentStateAt, recordConsent } from './consent.service.ts';

export function presentConsentRecord(r: ConsentRecordRow): TConsentRecord {
  return {
    id: r.recordId,
    personId: r.personId,
    purposeKey: r.purposeKey,
    state: r.state,
    method: r.method,
    noticeVersion: r.noticeVersion,
    noticeTextHash: r.noticeTextHash,
    recordedAt: r.recordedAt.toISOString(),
    expiresAt: r.expiresAt ? r.expiresAt.toISOString() : null,
    actor: { kind: r.actorKind, id: r.actorId },
    ip: r.ip,
    userAgent: r.userAgent,
    proof: r.proof,
    evidence: (r.evidence ?? {}) as Record<string, unknown>,
  };
}

/** Staff record and read consents on a person (P-CK-2, P-DSR-6); the public links of
 *  consent emails confirm and withdraw without a login. */
export function registerConsentRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];

  r.get(
    '/api/v1/people/:id/consents',
    {
      schema: {
        tags,
        summary: "A person's consent ledger, newest first",
        params: ZPersonParams,
        querystring: ZConsentHistoryQuery,
        response: { 200: ZConsentHistory },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'read', async (tx, { ctx, access }) => {
        const q = request.query;
        const cursor = q.after ? decodeCursor(q.after, 'consents', 'desc') : undefined;
        const page = await consentHistory(tx, ctx.workspaceId, request.params.id, {
          limit: q.limit,
          ...(cursor ? { before: { at: new Date(cursor.value), id: cursor.id } } : {}),
        });
        await recordAccess(
          tx,
          ctx.workspaceId,
          {
            actor: access,
            action: 'read',
            via: 'privacy.consents',
            subjects: { kind: 'person', ids: [request.params.id] },
          },
          ctx.now,
        );
        return {
          items: page.records.map(presentConsentRecord),
          nextCursor: page.next
            ? encodeCursor({ sort: 'consents', dir: 'desc', value: page.next.at.toISOString(), id: page.next.id })
            : null,
        };
      }),
  );

  r.get(
    '/api/v1/people/:id/consents/state',
    {
      schema: {
        tags,
        summary:
          'The state of each consent as of a time (now by default): the last record at or before it; a given consent past its expiry is expired',
        params: ZPersonParams,
        querystring: ZConsentAtQuery,
        response: { 200: ZConsentStateAt },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'read', async (tx, { ctx, access }) => {
        const at = request.query.at ? new Date(request.query.at) : ctx.now;
        const states = await consentStateAt(tx, ctx.workspaceId, request.params.id, at);
        const purposes = (await listPurposes(tx, ctx.workspaceId, { includeArchived: true })).filter(
          (p) => p.legalBasis === 'consent' || states.has(p.key),
        );
        await recordAccess(
          tx,
          ctx.workspaceId,
          {
            actor: access,
            action: 'read',
            via: 'privacy.consents',
            subjects: { kind: 'person', ids: [request.params.id] },
          },
          ctx.now,
        );
        return {
          at: at.toISOString(),
          items: purposes.map((p) => {
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
        };
      }),
  );

  r.post(
    '/api/v1/people/:id/consents',
    {
      schema: {
        tags,
        summary: 'Record a consent given or withdrawn on the person’s behalf (members who may change people)',
        params: ZPersonParams,
        body: ZRecordConsentBody,
        response: { 201: ZConsentRecord },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const record = await withPersonScope(services, request, request.params.id, 'update', (tx, { ctx }) =>
        recordConsent(tx, ctx, {
          personId: request.params.id,
          purpose: b.purposeKey,
          state: b.state,
          method: b.method,
          noticeVersion: b.noticeVersion ?? null,
          proof: b.proof ?? null,
          evidence: b.evidence ?? null,
          actorKind: b.method === 'import_with_proof' ? 'import' : 'staff',
        }),
      );
      return reply.status(201).send(presentConsentRecord(record));
    },
  );

  r.post(
    '/api/v1/people/:id/consents/double-opt-in',
    {
      schema: {
        tags,
        summary: 'Send a confirmation email with an expiring link (double opt-in); the consent is recorded when used',
        params: ZPersonParams,
        body: ZDoubleOptInBody,
        response: { 202: z.object({ confirmationId: z.string(), sentTo: z.string() }) },
      },
    },
    async (request, reply) => {
      const started = await withPersonScope(services, request, request.params.id, 'update', async (tx, { ctx }) => {
        const [ws] = await tx
          .select({ name: workspaces.name })
          .from(workspaces)
          .where(eq(workspaces.workspaceId, ctx.workspaceId));
        return startDoubleOptIn(tx, ctx, services, {
          personId: request.params.id,
          purposeKey: request.body.purposeKey,
          email: request.body.email ?? null,
          workspaceName: ws?.name ?? 'A workspace',
        });
      });
      await services.mail.send(started.mail);
      return reply.status(202).send({ confirmationId: started.confirmationId, sentTo: started.mail.to });
    },
  );

  r.post(
    '/api/public/consent/confirm',
    {
      schema: {
        tags,
        summary: 'Confirm a consent from the link of a confirmation email (no login; idempotent)',
        body: ZConsentTokenBody,
        response: { 200: ZConsentTokenResult },
      },
    },
    async (request) => ({
      ok: true as const,
      ...(await confirmByToken(services, request.body.token, channelOf(request))),
    }),
  );

  r.post(
    '/api/public/consent/withdraw',
    {
      schema: {
        tags,
        summary: 'Withdraw a consent from the link in a consent email (no login; idempotent)',
        body: ZConsentTokenBody,
        response: { 200: ZConsentTokenResult },
      },
    },
    async (request) => ({
      ok: true as const,
      ...(await withdrawByToken(services, request.body.token, channelOf(request))),
    }),
  );
}
