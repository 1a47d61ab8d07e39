import { ZCompanyExportQuery, ZDealExportQuery, ZPeopleExportQuery } from '@tillit/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import type { ExportEntity } from './export.service.ts';
import { type ExportResult, startExport } from './export.service.ts';

/** GET /api/v1/{people,companies,deals}/export: the list's filters, search and sort plus
 *  `format` (and `bom` for CSV); the whole view, streamed as a download. */
export function registerExportRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // The export right of the permission matrix (by default members and above; not viewers).
  const caller = async (request: Req, entity: ExportEntity) =>
    actorOf(await requireAllowed(services, request, entity, 'export'));
  const send = (reply: FastifyReply, result: ExportResult) =>
    reply
      .header('content-type', result.contentType)
      .header('content-disposition', `attachment; filename="${result.filename}"`)
      .header('cache-control', 'no-store')
      .send(result.stream);

  r.get(
    '/api/v1/people/export',
    {
      schema: {
        tags: ['people', 'export'],
        summary: 'Export the people I can see (csv, vcard or json), with the filters of the list',
        querystring: ZPeopleExportQuery,
      },
    },
    async (request, reply) => {
      const { format, bom, ...filter } = request.query;
      return send(
        reply,
        await startExport(services, await caller(request, 'people'), { entity: 'people', format, bom, filter }),
      );
    },
  );

  r.get(
    '/api/v1/companies/export',
    {
      schema: {
        tags: ['companies', 'export'],
        summary: 'Export the companies I can see (csv or json), with the filters of the list',
        querystring: ZCompanyExportQuery,
      },
    },
    async (request, reply) => {
      const { format, bom, ...filter } = request.query;
      return send(
        reply,
        await startExport(services, await caller(request, 'companies'), { entity: 'companies', format, bom, filter }),
      );
    },
  );

  r.get(
    '/api/v1/deals/export',
    {
      schema: {
        tags: ['deals', 'export'],
        summary: 'Export the deals of a pipeline I can see (csv or json), with the filters of the list',
        querystring: ZDealExportQuery,
      },
    },
    async (request, reply) => {
      const { format, bom, ...filter } = request.query;
      return send(
        reply,
        await startExport(services, await caller(request, 'deals'), { entity: 'deals', format, bom, filter }),
      );
    },
  );
}
