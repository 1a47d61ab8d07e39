import {
  ZCompanyDuplicateList,
  ZCompanyMergeBody,
  ZCompanyMergeResult,
  ZDismissCompanyDuplicateBody,
  ZDismissDuplicateBody,
  ZDuplicateList,
  ZDuplicateListQuery,
  ZMergeBody,
  ZMergeResult,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { dismissCompanyDuplicate, listCompanyDuplicates, mergeCompanies } from './company-duplicates.service.ts';
import { dismissDuplicate, listDuplicates, mergePeople } from './duplicates.service.ts';

/** Duplicate people and companies: candidates (read), "not a duplicate" and merge (update). */
export function registerDuplicateRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // Reading candidates reads people; "not a duplicate" and merge change people.
  const reader = async (request: Req) => actorOf(await requireAllowed(services, request, 'people', 'read'));
  const writer = async (request: Req) => actorOf(await requireAllowed(services, request, 'people', 'update'));
  const tags = ['people', 'duplicates'];

  r.get(
    '/api/v1/people/duplicates',
    {
      schema: {
        tags,
        summary: 'Pairs of people that look like duplicates (same email, same phone, or same name at the same company)',
        querystring: ZDuplicateListQuery,
        response: { 200: ZDuplicateList },
      },
    },
    async (request) => listDuplicates(services, await reader(request), request.query),
  );

  r.post(
    '/api/v1/people/duplicates/dismiss',
    {
      schema: {
        tags,
        summary: 'Mark a pair "not a duplicate" (member); the finder no longer offers it',
        body: ZDismissDuplicateBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await dismissDuplicate(services, await writer(request), request.body);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/people/merge',
    {
      schema: {
        tags,
        summary: 'Merge one person into another (member), in one transaction; the merged person is deleted for good',
        body: ZMergeBody,
        response: { 200: ZMergeResult },
      },
    },
    async (request) => mergePeople(services, await writer(request), request.body),
  );

  const companyReader = async (request: Req) => actorOf(await requireAllowed(services, request, 'companies', 'read'));
  const companyWriter = async (request: Req) => actorOf(await requireAllowed(services, request, 'companies', 'update'));
  const ctags = ['companies', 'duplicates'];

  r.get(
    '/api/v1/companies/duplicates',
    {
      schema: {
        tags: ctags,
        summary: 'Pairs of companies that look like duplicates (same domain, organisation number or name)',
        querystring: ZDuplicateListQuery,
        response: { 200: ZCompanyDuplicateList },
      },
    },
    async (request) => listCompanyDuplicates(services, await companyReader(request), request.query),
  );

  r.post(
    '/api/v1/companies/duplicates/dismiss',
    {
      schema: {
        tags: ctags,
        summary: 'Mark a pair of companies "not a duplicate" (member); the finder no longer offers it',
        body: ZDismissCompanyDuplicateBody,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await dismissCompanyDuplicate(services, await companyWriter(request), request.body);
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/companies/merge',
    {
      schema: {
        tags: ctags,
        summary:
          'Merge one company into another (member), in one transaction; its people, deals, notes, tasks, projects and files move; the merged company is deleted for good',
        body: ZCompanyMergeBody,
        response: { 200: ZCompanyMergeResult },
      },
    },
    async (request) => mergeCompanies(services, await companyWriter(request), request.body),
  );
}
