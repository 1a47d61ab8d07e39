import { ZPermissions, ZUpdatePermissionsBody } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { getPermissions, updatePermissions } from './permissions.service.ts';

/** The permission matrix of the workspace: admins read and change it (never an API key). */
export function registerPermissionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['permissions'];
  r.get(
    '/api/v1/permissions',
    {
      schema: {
        tags,
        summary: 'The permission matrix: per role, object and action (admin)',
        response: { 200: ZPermissions },
      },
    },
    async (request) => getPermissions(services, actorOf(await requireMember(services, request, 'admin'))),
  );
  r.put(
    '/api/v1/permissions',
    {
      schema: {
        tags,
        summary: 'Change what roles may do (admin); each role and object given gets exactly the actions given',
        body: ZUpdatePermissionsBody,
        response: { 200: ZPermissions },
      },
    },
    async (request) =>
      updatePermissions(services, actorOf(await requireMember(services, request, 'admin')), request.body),
  );
}
