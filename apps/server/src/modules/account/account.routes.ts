import { ZAccountDeleted, ZDeleteMeBody, ZErrorBody, ZMe, ZSignUpBody, ZUpdateMeBody } from '@tillit/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../http/auth-context.ts';
import { toFetchHeaders } from '../../http/request-headers.ts';
import type { Services } from '../../services.ts';
import { exportMyData } from './account.export.ts';
import { limitSignUps } from './account.rate-limit.ts';
import { deleteMyAccount, getMe, updateMe } from './account.service.ts';
import { listMySessions, revokeMyOtherSessions, revokeMySession } from './account.sessions.ts';
import { signUp } from './account.sign-up.ts';

const errors = { 400: ZErrorBody, 401: ZErrorBody, 403: ZErrorBody, 409: ZErrorBody, 422: ZErrorBody };

function personalOf(request: FastifyRequest) {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

/** Cookies that end the browser's session (the rows are gone already). */
function expiredSessionCookies(services: Services): string[] {
  const secure = services.config.publicUrl.startsWith('https:');
  const prefix = secure ? '__Secure-' : '';
  return ['tillit.session_token', 'tillit.session_data', 'tillit.dont_remember'].map(
    (name) => `${prefix}${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
  );
}

export function registerAccountRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/account/sign-up',
    {
      schema: {
        tags: ['account'],
        summary: 'Create an account (checks the age of digital consent), sign it in and return it',
        security: [],
        body: ZSignUpBody,
        response: { 201: ZMe, ...errors },
      },
    },
    async (request, reply) => {
      await limitSignUps(services, request.ip ?? null);
      const result = await signUp(services, request.body, toFetchHeaders(request));
      const cookies = result.response.headers.getSetCookie();
      if (cookies.length) reply.header('set-cookie', cookies);
      return reply.status(201).send(await getMe(services, result.userId, null));
    },
  );

  const ZSession = z.object({
    id: z.string(),
    current: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string(),
    ipAddress: z.string().nullable(),
    userAgent: z.string().nullable(),
  });

  r.get(
    '/api/account/sessions',
    {
      schema: {
        tags: ['account'],
        summary: 'My signed-in sessions (never their tokens)',
        response: { 200: z.object({ sessions: z.array(ZSession) }), ...errors },
      },
    },
    async (request) => {
      const { user, session } = await requireUser(services, request);
      return { sessions: await listMySessions(services, user.id, session.id) };
    },
  );

  r.delete(
    '/api/account/sessions/:sessionId',
    {
      schema: {
        tags: ['account'],
        summary: 'End one of my other sessions at once',
        params: z.object({ sessionId: z.uuid({ error: 'must be a session id' }) }).strict(),
        response: { 204: z.null(), 404: ZErrorBody, ...errors },
      },
    },
    async (request, reply) => {
      const { user, session } = await requireUser(services, request);
      await revokeMySession(services, user.id, session.id, request.params.sessionId, personalOf(request));
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/account/sessions/revoke-others',
    {
      schema: {
        tags: ['account'],
        summary: 'End every session of mine but this one',
        response: { 200: z.object({ revoked: z.number().int() }), ...errors },
      },
    },
    async (request) => {
      const { user, session } = await requireUser(services, request);
      return { revoked: await revokeMyOtherSessions(services, user.id, session.id, personalOf(request)) };
    },
  );

  r.get(
    '/api/account/me',
    { schema: { tags: ['account'], summary: 'My account: what it holds', response: { 200: ZMe, ...errors } } },
    async (request) => {
      const signedIn = await requireUser(services, request);
      return getMe(services, signedIn.user.id, signedIn.session.activeWorkspaceId);
    },
  );

  r.patch(
    '/api/account/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Correct my details (the email address changes through /api/auth/change-email)',
        body: ZUpdateMeBody,
        response: { 200: ZMe, ...errors },
      },
    },
    async (request) => updateMe(services, await requireUser(services, request), request.body),
  );

  r.get(
    '/api/account/export',
    {
      schema: {
        tags: ['account'],
        summary: 'Download everything Tillit holds about my account, as JSON',
        response: { 200: z.unknown(), ...errors },
      },
    },
    async (request, reply) => {
      const signedIn = await requireUser(services, request);
      const data = await exportMyData(services, signedIn.user.id, personalOf(request));
      const day = data.exportedAt.slice(0, 10);
      reply.header('content-disposition', `attachment; filename="tillit-account-${day}.json"`);
      reply.header('cache-control', 'no-store');
      reply.type('application/json; charset=utf-8');
      return reply.send(JSON.stringify(data, null, 2));
    },
  );

  r.delete(
    '/api/account/me',
    {
      schema: {
        tags: ['account'],
        summary: 'Delete my account: sign out everywhere now, purge the personal data within 7 days',
        body: ZDeleteMeBody,
        response: { 200: ZAccountDeleted, ...errors },
      },
    },
    async (request, reply) => {
      const signedIn = await requireUser(services, request);
      const result = await deleteMyAccount(services, signedIn, request.body.password, personalOf(request));
      reply.header('set-cookie', expiredSessionCookies(services));
      return {
        deleted: true as const,
        purgeAfter: result.purgeAfter.toISOString(),
        workspacesDeleted: result.workspacesDeleted,
        workspacesLeft: result.workspacesLeft,
      };
    },
  );
}
