import { ZApiKey, ZApiKeyList, ZApiKeyParams, ZCreateApiKeyBody, ZCreatedApiKey } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';

/** API keys of the workspace: admins list, create and revoke them, signed in (a key can
 *  never manage keys: requireMember refuses bearer keys on these paths). */
export function registerApiKeyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['api-keys'];
  const admin = async (request: Parameters<typeof requireMember>[1]) =>
    actorOf(await requireMember(services, request, 'admin'));

  r.get(
    '/api/v1/api-keys',
    {
      schema: { tags, summary: 'The API keys of the workspace, newest first (admin)', response: { 200: ZApiKeyList } },
    },
    async (request) => listApiKeys(services, await admin(request)),
  );
  r.post(
    '/api/v1/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key (admin); the answer holds the key, shown this once',
        body: ZCreateApiKeyBody,
        response: { 201: ZCreatedApiKey },
      },
    },
    async (request, reply) => reply.status(201).send(await createApiKey(services, await admin(request), request.body)),
  );
  r.delete(
    '/api/v1/api-keys/:id',
    {
      schema: { tags, summary: 'Revoke an API key (admin)', params: ZApiKeyParams, response: { 200: ZApiKey } },
    },
    async (request) => revokeApiKey(services, await admin(request), request.params.id),
  );
}
