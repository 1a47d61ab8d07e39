import { ZPipelineDashboard, ZPipelineDashboardQuery, ZWonLost, ZWonLostQuery } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { pipelineDashboard, wonLost } from './dashboard.service.ts';

/** The home page's charts: whoever may read deals (members, viewers, keys with deals:read),
 *  over the deals they may see. */
export function registerDashboardRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['dashboard'];
  r.get(
    '/api/v1/dashboard/pipeline',
    {
      schema: {
        tags,
        summary: 'Open deal value by stage of a pipeline (default: the first), per currency',
        querystring: ZPipelineDashboardQuery,
        response: { 200: ZPipelineDashboard },
      },
    },
    async (request) =>
      pipelineDashboard(
        services,
        actorOf(await requireAllowed(services, request, 'deals', 'read')),
        request.query.pipelineId,
      ),
  );
  r.get(
    '/api/v1/dashboard/won-lost',
    {
      schema: {
        tags,
        summary: 'Deals won and lost per month (UTC), count and value per currency',
        querystring: ZWonLostQuery,
        response: { 200: ZWonLost },
      },
    },
    async (request) =>
      wonLost(services, actorOf(await requireAllowed(services, request, 'deals', 'read')), request.query),
  );
}
