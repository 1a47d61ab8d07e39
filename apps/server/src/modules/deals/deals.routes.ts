import {
  type TPermissionAction,
  ZBoard,
  ZBoardQuery,
  ZCreateDealBody,
  ZCreatePipelineBody,
  ZDeal,
  ZDealList,
  ZDealListQuery,
  ZDealParams,
  ZDealTrashList,
  ZDealTrashQuery,
  ZDeletedDeal,
  ZMoveDealBody,
  ZPipeline,
  ZPipelineList,
  ZPipelineParams,
  ZStageHistory,
  ZUpdateDealBody,
  ZUpdatePipelineBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import {
  createDeal,
  dealBoard,
  dealHistory,
  deleteDeal,
  getDeal,
  listDeals,
  listDealTrash,
  moveDeal,
  restoreDeal,
  updateDeal,
} from './deals.service.ts';
import { createPipeline, deletePipeline, getPipeline, listPipelines, updatePipeline } from './pipelines.service.ts';

/** Pipelines (viewer reads, admin changes) and deals (viewer reads, member writes). Each
 *  route: validate, authorise, one service call. */
export function registerDealRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // The permission matrix decides (by default: viewer reads, member writes deals, admin
  // changes pipelines); a restore needs 'delete', as it undoes one.
  const allowed = async (request: Req, object: 'deals' | 'pipelines', action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, object, action));
  const ptags = ['pipelines'];
  const tags = ['deals'];

  r.get(
    '/api/v1/pipelines',
    {
      schema: {
        tags: ptags,
        summary: 'The pipelines of the workspace with their stages (the first call creates "Sales")',
        response: { 200: ZPipelineList },
      },
    },
    async (request) => listPipelines(services, await allowed(request, 'pipelines', 'read')),
  );
  r.post(
    '/api/v1/pipelines',
    {
      schema: {
        tags: ptags,
        summary: 'Create a pipeline (admin)',
        body: ZCreatePipelineBody,
        response: { 201: ZPipeline },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await createPipeline(services, await allowed(request, 'pipelines', 'create'), request.body)),
  );
  r.get(
    '/api/v1/pipelines/:id',
    { schema: { tags: ptags, summary: 'One pipeline', params: ZPipelineParams, response: { 200: ZPipeline } } },
    async (request) => getPipeline(services, await allowed(request, 'pipelines', 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/pipelines/:id',
    {
      schema: {
        tags: ptags,
        summary: 'Rename, reorder, or change the stages (admin); a stage with deals cannot be removed (409)',
        params: ZPipelineParams,
        body: ZUpdatePipelineBody,
        response: { 200: ZPipeline },
      },
    },
    async (request) =>
      updatePipeline(services, await allowed(request, 'pipelines', 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/pipelines/:id',
    {
      schema: {
        tags: ptags,
        summary: 'Delete a pipeline without deals (admin); not the last one',
        params: ZPipelineParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deletePipeline(services, await allowed(request, 'pipelines', 'delete'), request.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    '/api/v1/pipelines/:id/board',
    {
      schema: {
        tags: ptags,
        summary: 'The kanban: each stage with its first page of deals (updatedAt desc)',
        params: ZPipelineParams,
        querystring: ZBoardQuery,
        response: { 200: ZBoard },
      },
    },
    async (request) =>
      dealBoard(services, await allowed(request, 'deals', 'read'), request.params.id, request.query.perStage),
  );

  r.get(
    '/api/v1/deals',
    {
      schema: {
        tags,
        summary: 'Deals of a pipeline I can see: filters, sort and keyset pages (pass nextCursor back as after)',
        querystring: ZDealListQuery,
        response: { 200: ZDealList },
      },
    },
    async (request) => listDeals(services, await allowed(request, 'deals', 'read'), request.query),
  );
  r.post(
    '/api/v1/deals',
    { schema: { tags, summary: 'Create a deal (member)', body: ZCreateDealBody, response: { 201: ZDeal } } },
    async (request, reply) =>
      reply.status(201).send(await createDeal(services, await allowed(request, 'deals', 'create'), request.body)),
  );
  r.get(
    '/api/v1/deals/trash',
    {
      schema: {
        tags,
        summary: 'Deleted deals I can see, newest first, with their purge date',
        querystring: ZDealTrashQuery,
        response: { 200: ZDealTrashList },
      },
    },
    async (request) => listDealTrash(services, await allowed(request, 'deals', 'read'), request.query),
  );
  r.get(
    '/api/v1/deals/:id',
    { schema: { tags, summary: 'One deal', params: ZDealParams, response: { 200: ZDeal } } },
    async (request) => getDeal(services, await allowed(request, 'deals', 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/deals/:id',
    {
      schema: {
        tags,
        summary: 'Change a deal (member); the stage changes through /move',
        params: ZDealParams,
        body: ZUpdateDealBody,
        response: { 200: ZDeal },
      },
    },
    async (request) => updateDeal(services, await allowed(request, 'deals', 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/deals/:id',
    {
      schema: {
        tags,
        summary: 'Move a deal to the trash (member)',
        params: ZDealParams,
        response: { 200: ZDeletedDeal },
      },
    },
    async (request) => deleteDeal(services, await allowed(request, 'deals', 'delete'), request.params.id),
  );
  r.post(
    '/api/v1/deals/:id/restore',
    {
      schema: {
        tags,
        summary: 'Bring a deal back from the trash (member)',
        params: ZDealParams,
        response: { 200: ZDeal },
      },
    },
    async (request) => restoreDeal(services, await allowed(request, 'deals', 'delete'), request.params.id),
  );
  r.post(
    '/api/v1/deals/:id/move',
    {
      schema: {
        tags,
        summary: 'Move a deal to another stage of its pipeline (member); recorded in the history',
        params: ZDealParams,
        body: ZMoveDealBody,
        response: { 200: ZDeal },
      },
    },
    async (request) =>
      moveDeal(services, await allowed(request, 'deals', 'update'), request.params.id, request.body.stageId),
  );
  r.get(
    '/api/v1/deals/:id/history',
    {
      schema: {
        tags,
        summary: 'The stages a deal went through, oldest first',
        params: ZDealParams,
        response: { 200: ZStageHistory },
      },
    },
    async (request) => dealHistory(services, await allowed(request, 'deals', 'read'), request.params.id),
  );
}
