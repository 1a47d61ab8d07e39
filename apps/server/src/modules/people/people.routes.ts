import {
  type TPermissionAction,
  type TPermissionObject,
  ZCompany,
  ZCreatePersonBody,
  ZDeal,
  ZDeletedRecord,
  ZLinkCompanyBody,
  ZPerson,
  ZPersonCompanyParams,
  ZPersonList,
  ZPersonListQuery,
  ZPersonParams,
  ZProject,
  ZTask,
  ZTrashList,
  ZTrashListQuery,
  ZTrashParams,
  ZUpdatePersonBody,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { registerCompanyRoutes } from '../companies/companies.routes.ts';
import { restoreCompany } from '../companies/companies.service.ts';
import { restoreDeal } from '../deals/deals.service.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { restoreProject } from '../projects/projects.service.ts';
import { restoreTask } from '../tasks/tasks.service.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { getPersonOnce } from './people.get-once.ts';
import {
  createPerson,
  deletePerson,
  getPerson,
  linkCompany,
  listPeople,
  restorePerson,
  unlinkCompany,
  updatePerson,
} from './people.service.ts';
import { listTrash } from './trash.service.ts';

/** The permission-matrix object of each kind in the trash. */
const TRASH_OBJECT: Record<string, TPermissionObject> = {
  person: 'people',
  company: 'companies',
  deal: 'deals',
  task: 'tasks',
  project: 'projects',
};

/** People, their links to companies, and the trash; companies register beside them. Each
 *  route: validate, authorise (viewer reads, member writes), one service call. */
export function registerPeopleRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The permission matrix decides (by default: viewer reads, member writes). Linking a
  // company changes the person ('update'); a restore undoes a delete ('delete' on its kind).
  const allowed = async (request: FastifyRequest, object: TPermissionObject, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, object, action));
  /** For the hottest reads, which go to the database right after the check: the check opens
   *  the read's transaction (one round trip fewer; see requireMember's `hold`). */
  const reader = async (request: FastifyRequest) =>
    actorOf(await requireAllowed(services, request, 'people', 'read', { hold: true }));
  const tags = ['people'];

  r.get(
    '/api/v1/people',
    {
      schema: {
        tags,
        summary: 'People I can see: filters, sort and keyset pages (pass nextCursor back as after)',
        querystring: ZPersonListQuery,
        response: { 200: ZPersonList },
      },
    },
    async (request) => listPeople(services, await reader(request), request.query),
  );

  r.post(
    '/api/v1/people',
    {
      schema: { tags, summary: 'Create a person (member)', body: ZCreatePersonBody, response: { 201: ZPerson } },
    },
    async (request, reply) =>
      reply.status(201).send(await createPerson(services, await allowed(request, 'people', 'create'), request.body)),
  );

  r.get(
    '/api/v1/people/:id',
    { schema: { tags, summary: 'One person', params: ZPersonParams, response: { 200: ZPerson } } },
    async (request) => {
      // One statement when the request is the common case (people.get-once.ts); the server
      // still decides the sign-in and the permission from what it answered.
      const once = await getPersonOnce(services, request, request.params.id);
      if (once === 'fallback') return getPerson(services, await reader(request), request.params.id);
      const ctx = await requireAllowed(services, request, 'people', 'read', { answered: once.auth });
      if (!once.admitted) return getPerson(services, actorOf(ctx), request.params.id);
      if (!once.person) throw notFound('The person');
      return once.person;
    },
  );

  r.patch(
    '/api/v1/people/:id',
    {
      schema: {
        tags,
        summary: 'Change a person (member); lists given replace the whole list',
        params: ZPersonParams,
        body: ZUpdatePersonBody,
        response: { 200: ZPerson },
      },
    },
    async (request) =>
      updatePerson(services, await allowed(request, 'people', 'update'), request.params.id, request.body),
  );

  r.delete(
    '/api/v1/people/:id',
    {
      schema: {
        tags,
        summary: 'Move a person to the trash (restorable for 30 days)',
        params: ZPersonParams,
        response: { 200: ZDeletedRecord },
      },
    },
    async (request) => deletePerson(services, await allowed(request, 'people', 'delete'), request.params.id),
  );

  r.post(
    '/api/v1/people/:id/companies',
    {
      schema: {
        tags,
        summary: 'Link a person to a company, with a role (again: changes the role)',
        params: ZPersonParams,
        body: ZLinkCompanyBody,
        response: { 200: ZPerson },
      },
    },
    async (request) =>
      linkCompany(services, await allowed(request, 'people', 'update'), request.params.id, request.body),
  );

  r.delete(
    '/api/v1/people/:id/companies/:companyId',
    {
      schema: {
        tags,
        summary: 'Unlink a person from a company',
        params: ZPersonCompanyParams,
        response: { 200: ZPerson },
      },
    },
    async (request) =>
      unlinkCompany(services, await allowed(request, 'people', 'update'), request.params.id, request.params.companyId),
  );

  r.get(
    '/api/v1/trash',
    {
      schema: {
        tags: ['trash'],
        summary: 'Deleted people, companies and deals I can see, newest first, with their purge date',
        querystring: ZTrashListQuery,
        response: { 200: ZTrashList },
      },
    },
    async (request) => listTrash(services, await allowed(request, 'people', 'read'), request.query),
  );

  r.post(
    '/api/v1/trash/:kind/:id/restore',
    {
      schema: {
        tags: ['trash'],
        summary: 'Restore a person, a company, a deal, a task or a project from the trash (member)',
        params: ZTrashParams,
        response: { 200: z.union([ZPerson, ZCompany, ZDeal, ZTask, ZProject]) },
      },
    },
    async (request) => {
      const { kind, id } = request.params;
      const object = TRASH_OBJECT[kind] ?? 'people';
      const actor = await allowed(request, object, 'delete');
      if (kind === 'person') return restorePerson(services, actor, id);
      if (kind === 'deal') return restoreDeal(services, actor, id);
      if (kind === 'task') return restoreTask(services, actor, id);
      if (kind === 'project') return restoreProject(services, actor, id);
      return restoreCompany(services, actor, id);
    },
  );

  registerCompanyRoutes(app, services);
}
