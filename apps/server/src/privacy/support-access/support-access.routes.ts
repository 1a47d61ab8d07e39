import {
  ZCreateSupportGrantBody,
  ZOperatorAccess,
  ZOperatorCompanyList,
  ZOperatorPerson,
  ZOperatorPersonList,
  ZOperatorRecordParams,
  ZOperatorWorkspaceParams,
  ZSupportAccessList,
  ZSupportGrant,
  ZSupportGrantList,
  ZSupportGrantParams,
  ZSupportListQuery,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { withTenant } from '../../db/tenant.ts';
import { type InWorkspace, requireMember, requireUser } from '../../http/auth-context.ts';
import { forbidden } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { operatorGetPerson, operatorListCompanies, operatorListPeople } from './support-access.operator.ts';
import { activeGrants, createGrant, listAccesses, listGrants, revokeGrant } from './support-access.service.ts';

/**
 * Support access (P-SEC-7). Workspace side (admins): grants and the list of operators'
 * reads. Operator side (`/api/operator/...`, instance operators = instance admins who are
 * not acting as members): reads under an active grant only.
 */
export function registerSupportAccessRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tenant = <T>(ctx: InWorkspace, fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, fn);
  const actor = (ctx: InWorkspace) => ({ workspaceId: ctx.workspaceId, userId: ctx.user.id });

  r.get(
    '/api/privacy/support-access/grants',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Support access grants of the workspace, newest first (admins)',
        response: { 200: ZSupportGrantList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return { items: await tenant(ctx, (tx) => listGrants(tx, ctx.workspaceId, services.clock.now())) };
    },
  );

  r.post(
    '/api/privacy/support-access/grants',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Let support read some objects, read-only, for a limited time (admins)',
        body: ZCreateSupportGrantBody,
        response: { 201: ZSupportGrant },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      const grant = await tenant(ctx, (tx) => createGrant(tx, actor(ctx), request.body, services.clock.now()));
      reply.code(201);
      return grant;
    },
  );

  r.post(
    '/api/privacy/support-access/grants/:id/revoke',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Revoke a support access grant at once (admins)',
        params: ZSupportGrantParams,
        response: { 200: ZSupportGrant },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return tenant(ctx, (tx) => revokeGrant(tx, actor(ctx), request.params.id, services.clock.now()));
    },
  );

  r.get(
    '/api/privacy/support-access/accesses',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Every read support made under a grant, newest first (admins)',
        querystring: ZSupportListQuery,
        response: { 200: ZSupportAccessList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return tenant(ctx, (tx) => listAccesses(tx, ctx.workspaceId, request.query));
    },
  );

  // ---- operators ----

  const requireOperator = async (request: FastifyRequest) => {
    const signedIn = await requireUser(services, request);
    if (!signedIn.user.isInstanceAdmin) throw forbidden('Only operators of this instance use support access.');
    return signedIn.user.id;
  };
  const asOperator = <T>(workspaceId: string, operatorId: string, fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(services.database.db, { workspaceId, userId: operatorId }, fn);

  r.get(
    '/api/operator/workspaces/:workspaceId/support-access',
    {
      schema: {
        tags: ['operator'],
        summary: 'The support grants active now in a workspace (operators)',
        params: ZOperatorWorkspaceParams,
        response: { 200: ZOperatorAccess },
      },
    },
    async (request) => {
      const operatorId = await requireOperator(request);
      return asOperator(request.params.workspaceId, operatorId, (tx) =>
        activeGrants(tx, request.params.workspaceId, services.clock.now()),
      );
    },
  );

  r.get(
    '/api/operator/workspaces/:workspaceId/people',
    {
      schema: {
        tags: ['operator'],
        summary: 'People of a workspace under a support grant (operators; audited)',
        params: ZOperatorWorkspaceParams,
        querystring: ZSupportListQuery,
        response: { 200: ZOperatorPersonList },
      },
    },
    async (request) => {
      const operatorId = await requireOperator(request);
      const ws = request.params.workspaceId;
      return asOperator(ws, operatorId, (tx) =>
        operatorListPeople(tx, ws, operatorId, request.query, services.clock.now()),
      );
    },
  );

  r.get(
    '/api/operator/workspaces/:workspaceId/people/:id',
    {
      schema: {
        tags: ['operator'],
        summary: 'One person of a workspace under a support grant (operators; audited)',
        params: ZOperatorRecordParams,
        response: { 200: ZOperatorPerson },
      },
    },
    async (request) => {
      const operatorId = await requireOperator(request);
      const ws = request.params.workspaceId;
      return asOperator(ws, operatorId, (tx) =>
        operatorGetPerson(tx, ws, operatorId, request.params.id, services.clock.now()),
      );
    },
  );

  r.get(
    '/api/operator/workspaces/:workspaceId/companies',
    {
      schema: {
        tags: ['operator'],
        summary: 'Companies of a workspace under a support grant (operators; audited)',
        params: ZOperatorWorkspaceParams,
        querystring: ZSupportListQuery,
        response: { 200: ZOperatorCompanyList },
      },
    },
    async (request) => {
      const operatorId = await requireOperator(request);
      const ws = request.params.workspaceId;
      return asOperator(ws, operatorId, (tx) =>
        operatorListCompanies(tx, ws, operatorId, request.query, services.clock.now()),
      );
    },
  );
}
