import { ZSearchQuery, ZSearchResponse } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { search } from './search.service.ts';

/** The global search (Ctrl/Cmd+K): any member, viewers too, over what they may see. */
export function registerSearchRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'People and companies I can see whose name, email, phone or domain matches q (typos forgiven)',
        querystring: ZSearchQuery,
        response: { 200: ZSearchResponse },
      },
    },
    async (request) => search(services, actorOf(await requireMember(services, request, 'viewer')), request.query),
  );
}
