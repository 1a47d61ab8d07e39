import {
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
import { dismissDuplicate, listDuplicates, mergePeople } from './duplicates.service.ts';

/** Duplicate people: candidates (viewer reads), "not a duplicate" and merge (member). */
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
}
