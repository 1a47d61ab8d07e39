import {
  ZPersonParams,
  ZPersonRetention,
  ZRetentionForecast,
  ZRetentionOverrideBody,
  ZRetentionRule,
  ZRetentionRuleList,
  ZRetentionRuleParams,
  ZTerminateBody,
  ZTerminationState,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { withTenant } from '../../db/tenant.ts';
import { type InWorkspace, requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { recordAccess } from '../access-log/access-log.service.ts';
import { withPersonScope } from '../purposes/person-scope.ts';
import { personRetention } from './retention.person.ts';
import {
  assertOwner,
  cancelTermination,
  clearOverride,
  forecast,
  getTermination,
  listRules,
  setOverride,
  terminateWorkspace,
} from './retention.service.ts';

/** Retention rules, the forecast and termination (P-RET-1, P-ACC-5). Admins; termination: the owner. */
export function registerRetentionRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tenant = <T>(ctx: InWorkspace, fn: Parameters<typeof withTenant<T>>[2]) =>
    withTenant(services.database.db, { workspaceId: ctx.workspaceId, userId: ctx.user.id }, fn);
  const actor = (ctx: InWorkspace) => ({ workspaceId: ctx.workspaceId, userId: ctx.user.id });

  r.get(
    '/api/v1/people/:id/privacy/retention',
    {
      schema: {
        tags: ['privacy'],
        summary:
          'When retention deletes or anonymises each kind of this person’s data: the rule, the date, legal holds (those who may read the person)',
        params: ZPersonParams,
        response: { 200: ZPersonRetention },
      },
    },
    async (request) =>
      withPersonScope(services, request, request.params.id, 'read', async (tx, { ctx, access }) => {
        const out = await personRetention(tx, ctx.workspaceId, request.params.id, ctx.now);
        // A read of personal data (the dates tell about the person), like the panel's other reads.
        await recordAccess(
          tx,
          ctx.workspaceId,
          {
            actor: access,
            action: 'read',
            via: 'privacy.retention',
            subjects: { kind: 'person', ids: [request.params.id] },
          },
          ctx.now,
        );
        return out;
      }),
  );

  r.get(
    '/api/privacy/retention/rules',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Retention rules: defaults, bounds and this workspace’s periods (admins)',
        response: { 200: ZRetentionRuleList },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return { items: await tenant(ctx, (tx) => listRules(tx, ctx.workspaceId)) };
    },
  );

  r.put(
    '/api/privacy/retention/rules/:key',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Set this workspace’s period for a rule, inside its legal bounds (admins)',
        params: ZRetentionRuleParams,
        body: ZRetentionOverrideBody,
        response: { 200: ZRetentionRule },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return tenant(ctx, (tx) =>
        setOverride(tx, actor(ctx), request.params.key, request.body.days, services.clock.now()),
      );
    },
  );

  r.delete(
    '/api/privacy/retention/rules/:key',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Back to the built-in default period (admins)',
        params: ZRetentionRuleParams,
        response: { 200: ZRetentionRule },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return tenant(ctx, (tx) => clearOverride(tx, actor(ctx), request.params.key, services.clock.now()));
    },
  );

  r.get(
    '/api/privacy/retention/forecast',
    {
      schema: {
        tags: ['privacy'],
        summary: 'What each rule will delete or anonymise in the next 30 days (admins; counts capped)',
        response: { 200: ZRetentionForecast },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return tenant(ctx, (tx) => forecast(tx, services, ctx.workspaceId, services.clock.now()));
    },
  );

  r.get(
    '/api/privacy/retention/termination',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Whether the workspace is terminated and when its data goes (admins)',
        response: { 200: ZTerminationState },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      return { termination: await tenant(ctx, (tx) => getTermination(tx, ctx.workspaceId)) };
    },
  );

  r.post(
    '/api/privacy/retention/termination',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Terminate the workspace: its data is deleted after the period (owner; P-ACC-5)',
        body: ZTerminateBody,
        response: { 201: ZTerminationState },
      },
    },
    async (request, reply) => {
      const ctx = await requireMember(services, request, 'admin');
      assertOwner(ctx.role);
      const termination = await tenant(ctx, (tx) =>
        terminateWorkspace(tx, actor(ctx), request.body.confirmName, services.clock.now()),
      );
      reply.code(201);
      return { termination };
    },
  );

  r.delete(
    '/api/privacy/retention/termination',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Take the termination back before the data is deleted (owner)',
        response: { 200: ZTerminationState },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      assertOwner(ctx.role);
      await tenant(ctx, (tx) => cancelTermination(tx, actor(ctx), services.clock.now()));
      return { termination: null };
    },
  );
}
