import { and, desc, eq, like, lt } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditEntries, users } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { appendAudit } from './audit.service.ts';
import { verifyWorkspaceAudit } from './audit.verify-all.ts';

export const ZAuditEntry = z.object({
  seq: z.number().int(),
  occurredAt: z.string(),
  actor: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  subjectUserId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  email: z.string().nullable(),
  hash: z.string(),
});

export const ZAuditPage = z.object({ entries: z.array(ZAuditEntry), nextBefore: z.number().int().nullable() });

export const ZChainReport = z.object({
  workspaceId: z.string(),
  entries: z.number().int(),
  ok: z.boolean(),
  problems: z.array(z.object({ workspaceId: z.string(), seq: z.number(), kind: z.string(), message: z.string() })),
});

export function registerAuditRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: "The workspace's audit log, newest first (keyset pagination by `before`)",
        querystring: z
          .object({
            before: z.coerce.number().int().positive().optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            action: z
              .string()
              .max(100)
              .regex(/^[a-z_.]+$/, 'use letters, dots and underscores')
              .optional(),
          })
          .strict(),
        response: { 200: ZAuditPage },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const q = request.query;
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, async (tx) => {
        const conds = [eq(auditEntries.workspaceId, ctx.workspaceId)];
        if (q.before) conds.push(lt(auditEntries.seq, q.before));
        if (q.action) conds.push(like(auditEntries.action, `${q.action}%`));
        const rows = await tx
          .select({ e: auditEntries, actorName: users.name })
          .from(auditEntries)
          .leftJoin(users, eq(users.id, auditEntries.actorId))
          .where(and(...conds))
          .orderBy(desc(auditEntries.seq))
          .limit(q.limit);
        const entries = rows.map(({ e, actorName }) => {
          const p = (e.personal ?? {}) as { ip?: string; userAgent?: string; email?: string };
          return {
            seq: e.seq,
            occurredAt: e.occurredAt.toISOString(),
            actor: { kind: e.actorKind, id: e.actorId, name: actorName ?? null },
            action: e.action,
            target: e.targetType && e.targetId ? { type: e.targetType, id: e.targetId } : null,
            subjectUserId: e.subjectUserId,
            details: (e.details ?? {}) as Record<string, unknown>,
            ip: p.ip ?? null,
            userAgent: p.userAgent ?? null,
            email: p.email ?? null,
            hash: e.hash,
          };
        });
        const last = entries.at(-1);
        return { entries, nextBefore: entries.length === q.limit && last ? last.seq : null };
      });
    },
  );

  r.post(
    '/api/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Verifies the workspace's audit chain and reports every break",
        response: { 200: ZChainReport },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, async (tx) => {
        const report = await verifyWorkspaceAudit(tx, ctx.workspaceId);
        await appendAudit(
          tx,
          ctx.workspaceId,
          {
            actor: { kind: 'user', id: ctx.user.id },
            action: 'audit.verified',
            details: { ok: report.ok, entries: report.entries },
          },
          services.clock.now(),
        );
        return report;
      });
    },
  );
}
