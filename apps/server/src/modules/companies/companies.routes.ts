import {
  ZCompany,
  ZCompanyList,
  ZCompanyListQuery,
  ZCompanyParams,
  ZCreateCompanyBody,
  ZDeletedRecord,
  ZUpdateCompanyBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { createCompany, deleteCompany, getCompany, listCompanies, updateCompany } from './companies.service.ts';

/** Companies. Registered by registerPeopleRoutes. Viewer reads, member writes. */
export function registerCompanyRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const reader = async (request: Parameters<typeof requireMember>[1]) =>
    actorOf(await requireMember(services, request, 'viewer'));
  const writer = async (request: Parameters<typeof requireMember>[1]) =>
    actorOf(await requireMember(services, request, 'member'));
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
    async (request) => listCompanies(services, await reader(request), request.query),
  );

  r.post(
    '/api/v1/companies',
    {
      schema: { tags, summary: 'Create a company (member)', body: ZCreateCompanyBody, response: { 201: ZCompany } },
    },
    async (request, reply) =>
      reply.status(201).send(await createCompany(services, await writer(request), request.body)),
  );

  r.get(
    '/api/v1/companies/:id',
    { schema: { tags, summary: 'One company', params: ZCompanyParams, response: { 200: ZCompany } } },
    async (request) => getCompany(services, await reader(request), request.params.id),
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
    async (request) => updateCompany(services, await writer(request), request.params.id, request.body),
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
    async (request) => deleteCompany(services, await writer(request), request.params.id),
  );
}
