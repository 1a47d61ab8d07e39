import { ZNotice, ZNoticeVersions, ZPublishNoticeBody, ZRegister } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { privacyCtxOf } from '../purposes/privacy-context.ts';
import { listNoticeVersions, publishNotice } from './notice.service.ts';
import { buildRegister, noticeWithAppendix, publicNotice } from './register.service.ts';

/** The register of processing (admins) and the workspace's privacy notice. */
export function registerRegisterRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];
  const tenant = (ctx: { workspaceId: string; user: { id: string } }) => ({
    workspaceId: ctx.workspaceId,
    userId: ctx.user.id,
  });

  r.get(
    '/api/privacy/register',
    {
      schema: {
        tags,
        summary:
          'The register of processing (GDPR art. 30): purposes, legal bases, categories, where held, retention, sub-processors (admins)',
        response: { 200: ZRegister },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return withTenant(services.database.db, tenant(ctx), (tx) =>
        buildRegister(tx, ctx.workspaceId, services.clock.now()),
      );
    },
  );

  r.get(
    '/api/privacy/notice',
    {
      schema: {
        tags,
        summary: 'The current privacy notice, with its appendix generated from the purposes and the data map',
        response: { 200: ZNotice },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'viewer');
      return withTenant(services.database.db, tenant(ctx), (tx) =>
        noticeWithAppendix(tx, ctx.workspaceId, services.clock.now()),
      );
    },
  );

  r.get(
    '/api/privacy/notice/versions',
    { schema: { tags, summary: 'Every published version of the privacy notice', response: { 200: ZNoticeVersions } } },
    async (request) => {
      const ctx = await requireMember(services, request, 'viewer');
      return withTenant(services.database.db, tenant(ctx), async (tx) => ({
        items: (await listNoticeVersions(tx, ctx.workspaceId)).map((n) => ({
          version: n.version,
          textHash: n.textHash,
          publishedAt: n.publishedAt.toISOString(),
        })),
      }));
    },
  );

  r.post(
    '/api/privacy/notice',
    {
      schema: {
        tags,
        summary: 'Publish a new version of the privacy notice (admins); consents from now on name it',
        body: ZPublishNoticeBody,
        response: { 201: ZNotice },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      const now = services.clock.now();
      const notice = await withTenant(services.database.db, tenant(ctx), async (tx) => {
        await publishNotice(tx, privacyCtxOf(ctx, now), request.body.body);
        return noticeWithAppendix(tx, ctx.workspaceId, now);
      });
      return reply.status(201).send(notice);
    },
  );

  r.get(
    '/api/public/privacy/:workspace/notice',
    {
      schema: {
        tags,
        summary: "A workspace's privacy notice with its appendix, for anyone (no sign-in)",
        params: z.object({ workspace: z.uuid({ error: 'must be a workspace id' }) }).strict(),
        response: { 200: ZNotice.extend({ workspace: z.string() }) },
      },
    },
    async (request) =>
      withTenant(services.database.db, { workspaceId: request.params.workspace }, (tx) =>
        publicNotice(tx, request.params.workspace),
      ),
  );
}
