import type { TPermissionAction } from '@tillit/contracts';
import {
  ZCreateTaskBody,
  ZDeletedTask,
  ZTask,
  ZTaskList,
  ZTaskListQuery,
  ZTaskParams,
  ZUpdateTaskBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { createTask, deleteTask, getTask, listTasks, restoreTask, updateTask } from './tasks.service.ts';

/** Tasks (viewer reads, member writes). Each route: validate, authorise, one service call. */
export function registerTaskRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // The permission matrix and, for API keys, their scopes decide (object 'tasks').
  const allowed = async (request: Req, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, 'tasks', action));
  const tags = ['tasks'];

  r.get(
    '/api/v1/tasks',
    {
      schema: {
        tags,
        summary: 'Tasks I can see: filters (assignee incl. "me", status, due, linked record), sort and keyset pages',
        querystring: ZTaskListQuery,
        response: { 200: ZTaskList },
      },
    },
    async (request) => listTasks(services, await allowed(request, 'read'), request.query),
  );
  r.post(
    '/api/v1/tasks',
    { schema: { tags, summary: 'Create a task (member)', body: ZCreateTaskBody, response: { 201: ZTask } } },
    async (request, reply) =>
      reply.status(201).send(await createTask(services, await allowed(request, 'create'), request.body)),
  );
  r.get(
    '/api/v1/tasks/:id',
    { schema: { tags, summary: 'One task', params: ZTaskParams, response: { 200: ZTask } } },
    async (request) => getTask(services, await allowed(request, 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags,
        summary: 'Change a task (member): status done sets completedAt; a new remindAt arms the reminder again',
        params: ZTaskParams,
        body: ZUpdateTaskBody,
        response: { 200: ZTask },
      },
    },
    async (request) => updateTask(services, await allowed(request, 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/tasks/:id',
    {
      schema: {
        tags,
        summary: 'Move a task to the trash (member; restorable for 30 days)',
        params: ZTaskParams,
        response: { 200: ZDeletedTask },
      },
    },
    async (request) => deleteTask(services, await allowed(request, 'delete'), request.params.id),
  );
  r.post(
    '/api/v1/tasks/:id/restore',
    {
      schema: {
        tags,
        summary: 'Bring a task back from the trash (member)',
        params: ZTaskParams,
        response: { 200: ZTask },
      },
    },
    async (request) => restoreTask(services, await allowed(request, 'delete'), request.params.id),
  );
}
