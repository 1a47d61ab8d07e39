import { ZErrorBody, ZFirstRunBody, ZMe } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { toFetchHeaders } from '../../http/request-headers.ts';
import type { Services } from '../../services.ts';
import { getMe } from '../account/account.service.ts';
import { completeFirstRun } from './setup.service.ts';

export function registerSetupRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/setup/first-run',
    {
      schema: {
        tags: ['setup'],
        summary:
          'Create the instance admin account and the first workspace, signed in (only while GET /api/setup says firstRun); with demo: true, the demo.load job then fills the workspace with demo data in the background',
        security: [],
        body: ZFirstRunBody,
        response: { 201: ZMe, 409: ZErrorBody, 422: ZErrorBody },
      },
    },
    async (request, reply) => {
      const done = await completeFirstRun(services, request.body, toFetchHeaders(request), (err) =>
        request.log.error({ err }, 'demo load failed'),
      );
      reply.header('set-cookie', done.setCookies);
      return reply.status(201).send(await getMe(services, done.userId, done.workspaceId));
    },
  );
}
