import type { TPermissionAction } from '@tillit/contracts';
import {
  ZCreateProjectBody,
  ZDeletedProject,
  ZProject,
  ZProjectList,
  ZProjectListQuery,
  ZProjectParams,
  ZUpdateProjectBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  restoreProject,
  updateProject,
} from './projects.service.ts';

/** Projects (viewer reads, member writes); a project's tasks are GET /api/v1/tasks?projectId=. */
export function registerProjectRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // The permission matrix and, for API keys, their scopes decide (object 'projects').
  const allowed = async (request: Req, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, 'projects', action));
  const tags = ['projects'];

  r.get(
    '/api/v1/projects',
    {
      schema: {
        tags,
        summary: 'Projects I can see: filters, sort and keyset pages (pass nextCursor back as after)',
        querystring: ZProjectListQuery,
        response: { 200: ZProjectList },
      },
    },
    async (request) => listProjects(services, await allowed(request, 'read'), request.query),
  );
  r.post(
    '/api/v1/projects',
    { schema: { tags, summary: 'Create a project (member)', body: ZCreateProjectBody, response: { 201: ZProject } } },
    async (request, reply) =>
      reply.status(201).send(await createProject(services, await allowed(request, 'create'), request.body)),
  );
  r.get(
    '/api/v1/projects/:id',
    { schema: { tags, summary: 'One project', params: ZProjectParams, response: { 200: ZProject } } },
    async (request) => getProject(services, await allowed(request, 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/projects/:id',
    {
      schema: {
        tags,
        summary: 'Change a project (member); lists replace the members, companies or deals',
        params: ZProjectParams,
        body: ZUpdateProjectBody,
        response: { 200: ZProject },
      },
    },
    async (request) => updateProject(services, await allowed(request, 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/projects/:id',
    {
      schema: {
        tags,
        summary: 'Move a project to the trash (member; restorable for 30 days; its tasks stay)',
        params: ZProjectParams,
        response: { 200: ZDeletedProject },
      },
    },
    async (request) => deleteProject(services, await allowed(request, 'delete'), request.params.id),
  );
  r.post(
    '/api/v1/projects/:id/restore',
    {
      schema: {
        tags,
        summary: 'Bring a project back from the trash (member)',
        params: ZProjectParams,
        response: { 200: ZProject },
      },
    },
    async (request) => restoreProject(services, await allowed(request, 'delete'), request.params.id),
  );
}
