import {
  type TPermissionAction,
  ZCompany,
  ZCompanyList,
  ZCompanyListQuery,
  ZCompanyParams,
  ZCreateCompanyBody,
  ZDeletedRecord,
  ZUpdateCompanyBody,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { createCompany, deleteCompany, getCompany, listCompanies, updateCompany } from './companies.service.ts';

/** Companies. Registered by registerPeopleRoutes. Viewer reads, member writes. */
export function registerCompanyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The permission matrix decides (by default: viewer reads, member writes).
  const allowed = async (request: FastifyRequest, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, 'companies', action));
  const tags = ['companies'];

  r.get(
    '/api/v1/companies',
    {
      schema: {
        tags,
        summary: 'Companies I can see: filters, sort and keyset pages (people of a company: /people?companyId=)',
        querystring: ZCompanyListQuery,
        response: { 200: ZCompanyList },
      },
    },
    async (request) => listCompanies(services, await allowed(request, 'read'), request.query),
  );

  r.post(
    '/api/v1/companies',
    {
      schema: { tags, summary: 'Create a company (member)', body: ZCreateCompanyBody, response: { 201: ZCompany } },
    },
    async (request, reply) =>
      reply.status(201).send(await createCompany(services, await allowed(request, 'create'), request.body)),
  );

  r.get(
    '/api/v1/companies/:id',
    { schema: { tags, summary: 'One company', params: ZCompanyParams, response: { 200: ZCompany } } },
    async (request) => getCompany(services, await allowed(request, 'read'), request.params.id),
  );

  r.patch(
    '/api/v1/companies/:id',
    {
      schema: {
        tags,
        summary: 'Change a company (member)',
        params: ZCompanyParams,
        body: ZUpdateCompanyBody,
        response: { 200: ZCompany },
      },
    },
    async (request) => updateCompany(services, await allowed(request, 'update'), request.params.id, request.body),
  );

  r.delete(
    '/api/v1/companies/:id',
    {
      schema: {
        tags,
        summary: 'Move a company to the trash (restorable for 30 days)',
        params: ZCompanyParams,
        response: { 200: ZDeletedRecord },
      },
    },
    async (request) => deleteCompany(services, await allowed(request, 'delete'), request.params.id),
  );
}
