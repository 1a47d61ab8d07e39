import {
  type TPrivacyRequestDetail,
  type TPrivacyScope,
  ZCreatePrivacyRequestBody,
  ZExtendPrivacyRequestBody,
  ZFulfilPrivacyRequestBody,
  ZFulfilPrivacyRequestResult,
  ZPrivacyRequestDetail,
  ZPrivacyRequestList,
  ZPrivacyRequestListQuery,
  ZPrivacyRequestNoteBody,
  ZPrivacyRequestParams,
  ZPrivacyRequestSettings,
  ZPublicPrivacyInfo,
  ZPublicPrivacyParams,
  ZPublicStartBody,
  ZPublicStartResult,
  ZPublicVerifyBody,
  ZPublicVerifyResult,
  ZRefusePrivacyRequestBody,
  ZUpdatePrivacyRequestBody,
  ZUpdatePrivacyRequestSettingsBody,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireScope } from '../../modules/permissions/permissions.ts';
import { type Actor, actorOf } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { fulfilRequest, publicDownload, refuseRequest, staffDownload } from './requests.fulfil.ts';
import type { PackageDownload } from './requests.package.ts';
import { publicInfo, startPublicRequest, verifyPublicRequest } from './requests.public.ts';
import {
  addNote,
  createRequest,
  extendRequest,
  getRequest,
  getSettings,
  listRequests,
  updateRequest,
  updateSettings,
} from './requests.service.ts';

const ZPartQuery = z
  .object({ part: z.string().min(1).max(300, { error: 'is not a part of this package' }).optional() })
  .strict();

function sendDownload(reply: FastifyReply, d: PackageDownload): FastifyReply {
  const ascii = d.filename.replace(/[^A-Za-z0-9._-]/g, '_');
  return reply
    .header('content-type', d.contentType)
    .header('content-length', String(d.size))
    .header(
      'content-disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(d.filename)}`,
    )
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
    .header('referrer-policy', 'no-referrer')
    .send(d.body);
}

const clientOf = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
});

/**
 * Requests from data subjects. Staff: `/api/v1/privacy/requests` (members record a request
 * on a person they can see and read that person's requests; admins work the inbox and
 * fulfil). API keys work here with the scope `privacy:read` (reads), `privacy:write` (changes)
 * or `privacy:export` (package downloads), and the key's role under the same rules as a
 * member's. Public, no account: `/api/public/privacy/:workspace/...` (the request page and the
 * package link).
 */
export function registerPrivacyRequestRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy requests'];
  const caller = async (request: FastifyRequest, scope: TPrivacyScope) =>
    actorOf(await requireScope(services, request, scope));
  /** What the OpenAPI document says of a staff route: a session, or a key with the scope. */
  const access = (scope: TPrivacyScope) => ({
    security: [{ session: [] }, { apiKey: [scope] }] as { [label: string]: string[] }[],
    description: `API keys need the scope \`${scope}\`.`,
  });

  /**
   * The staff routes on one request that take a body and answer the request's detail (change,
   * note, extend, refuse): validate, find the caller with `privacy:write`, call the service.
   */
  function requestChange<B extends z.ZodType>(
    method: 'PATCH' | 'POST',
    url: string,
    summary: string,
    body: B,
    handle: (actor: Actor, id: string, body: z.output<B>) => Promise<TPrivacyRequestDetail>,
  ): void {
    r.route({
      method,
      url,
      schema: {
        tags,
        summary,
        ...access('privacy:write'),
        params: ZPrivacyRequestParams,
        body,
        response: { 200: ZPrivacyRequestDetail },
      },
      handler: async (request) =>
        handle(
          await caller(request, 'privacy:write'),
          (request.params as z.output<typeof ZPrivacyRequestParams>).id,
          request.body as z.output<B>,
        ),
    });
  }

  r.get(
    '/api/v1/privacy/requests',
    {
      schema: {
        tags,
        summary: 'The inbox (admins), soonest due first; members pass personId for one person they can see',
        ...access('privacy:read'),
        querystring: ZPrivacyRequestListQuery,
        response: { 200: ZPrivacyRequestList },
      },
    },
    async (request) => listRequests(services, await caller(request, 'privacy:read'), request.query),
  );
  r.post(
    '/api/v1/privacy/requests',
    {
      schema: {
        tags,
        summary: 'Record a request on a person (member, on a person they can see); due 30 days after receipt',
        ...access('privacy:write'),
        body: ZCreatePrivacyRequestBody,
        response: { 201: ZPrivacyRequestDetail },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createRequest(services, await caller(request, 'privacy:write'), request.body)),
  );
  r.get(
    '/api/v1/privacy/requests/:id',
    {
      schema: {
        tags,
        summary: 'One request with its steps and packages (read in one snapshot)',
        ...access('privacy:read'),
        params: ZPrivacyRequestParams,
        response: { 200: ZPrivacyRequestDetail },
      },
    },
    async (request) => getRequest(services, await caller(request, 'privacy:read'), request.params.id),
  );
  requestChange(
    'PATCH',
    '/api/v1/privacy/requests/:id',
    'Set the status (received, verifying, in_progress), the owner, or match a person (admin)',
    ZUpdatePrivacyRequestBody,
    (actor, id, body) => updateRequest(services, actor, id, body),
  );
  requestChange(
    'POST',
    '/api/v1/privacy/requests/:id/notes',
    'Add a note to the steps (admin)',
    ZPrivacyRequestNoteBody,
    (actor, id, body) => addNote(services, actor, id, body.note),
  );
  requestChange(
    'POST',
    '/api/v1/privacy/requests/:id/extend',
    'Extend the deadline once by 1 or 2 months with the reason, before it passes (admin)',
    ZExtendPrivacyRequestBody,
    (actor, id, body) => extendRequest(services, actor, id, body),
  );
  requestChange(
    'POST',
    '/api/v1/privacy/requests/:id/refuse',
    'Refuse the request with the reason (admin)',
    ZRefusePrivacyRequestBody,
    (actor, id, body) => refuseRequest(services, actor, id, body.reason),
  );
  r.post(
    '/api/v1/privacy/requests/:id/fulfil',
    {
      schema: {
        tags,
        summary:
          'Fulfil (admin): access and portability build a package and return its link once; the other kinds apply the right',
        ...access('privacy:write'),
        params: ZPrivacyRequestParams,
        body: ZFulfilPrivacyRequestBody,
        response: { 200: ZFulfilPrivacyRequestResult },
      },
    },
    async (request) => fulfilRequest(services, await caller(request, 'privacy:write'), request.params.id, request.body),
  );
  r.get(
    '/api/v1/privacy/requests/:id/packages/:packageId/download',
    {
      schema: {
        tags,
        summary: 'Download a package as a zip, or one part with ?part= (admin; recorded as an export)',
        ...access('privacy:export'),
        params: z
          .object({ id: z.uuid({ error: 'must be a UUID' }), packageId: z.uuid({ error: 'must be a UUID' }) })
          .strict(),
        querystring: ZPartQuery,
      },
    },
    async (request, reply) =>
      sendDownload(
        reply,
        await staffDownload(
          services,
          await caller(request, 'privacy:export'),
          request.params.id,
          request.params.packageId,
          request.query.part,
        ),
      ),
  );
  r.get(
    '/api/v1/privacy/request-settings',
    {
      schema: {
        tags,
        summary: 'The complaint authority and contact the public page shows (P-DSR-8)',
        ...access('privacy:read'),
        response: { 200: ZPrivacyRequestSettings },
      },
    },
    async (request) => getSettings(services, await caller(request, 'privacy:read')),
  );
  r.put(
    '/api/v1/privacy/request-settings',
    {
      schema: {
        tags,
        summary: 'Set the complaint authority (name and URL; null for the default of the workspace country) (admin)',
        ...access('privacy:write'),
        body: ZUpdatePrivacyRequestSettingsBody,
        response: { 200: ZPrivacyRequestSettings },
      },
    },
    async (request) => updateSettings(services, await caller(request, 'privacy:write'), request.body),
  );

  // Public (no account)
  r.get(
    '/api/public/privacy/:workspace',
    {
      schema: {
        tags,
        summary: 'What the public request page shows: the kinds, the complaint authority, the contact',
        params: ZPublicPrivacyParams,
        response: { 200: ZPublicPrivacyInfo },
      },
    },
    async (request) => publicInfo(services, request.params.workspace),
  );
  r.post(
    '/api/public/privacy/:workspace/start',
    {
      schema: {
        tags,
        summary: 'Send a 6-digit code to the address (same answer for every address; throttled per address and IP)',
        params: ZPublicPrivacyParams,
        body: ZPublicStartBody,
        response: { 200: ZPublicStartResult },
      },
    },
    async (request) => startPublicRequest(services, request.params.workspace, request.body, clientOf(request)),
  );
  r.post(
    '/api/public/privacy/:workspace/verify',
    {
      schema: {
        tags,
        summary: 'Confirm the code (10 minutes, 5 tries); the request is then created and matched',
        params: ZPublicPrivacyParams,
        body: ZPublicVerifyBody,
        response: { 200: ZPublicVerifyResult },
      },
    },
    async (request) => verifyPublicRequest(services, request.params.workspace, request.body, clientOf(request)),
  );
  r.get(
    '/api/public/privacy/:workspace/packages/:token',
    {
      schema: {
        tags,
        summary: "The person's download by the emailed link: the zip, or one part with ?part= (audited)",
        params: z
          .object({
            workspace: z.uuid({ error: 'must be a UUID' }),
            token: z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'is not a download link' }),
          })
          .strict(),
        querystring: ZPartQuery,
      },
    },
    async (request, reply) =>
      sendDownload(
        reply,
        await publicDownload(
          services,
          request.params.workspace,
          request.params.token,
          request.query.part,
          clientOf(request),
        ),
      ),
  );
}
