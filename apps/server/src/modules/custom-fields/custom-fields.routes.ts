import {
  ZCreateCustomFieldBody,
  ZCreateSavedViewBody,
  ZCustomField,
  ZCustomFieldList,
  ZCustomFieldListQuery,
  ZCustomFieldParams,
  ZSavedView,
  ZSavedViewList,
  ZSavedViewListQuery,
  ZSavedViewParams,
  ZUpdateCustomFieldBody,
  ZUpdateSavedViewBody,
} from '@tillit/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import { createField, deleteField, listFields, updateField } from './custom-fields.service.ts';
import { createView, deleteView, listViews, updateView } from './views.service.ts';

/** Custom field definitions (members read, admins change) and saved views (each member
 *  their own; shared ones for everyone). Routes: validate, authorise, one service call. */
export function registerCustomFieldRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const member = async (request: FastifyRequest, min: 'viewer' | 'member' | 'admin' = 'viewer') =>
    actorOf(await requireMember(services, request, min));

  r.get(
    '/api/v1/custom-fields',
    {
      schema: {
        tags: ['custom fields'],
        summary: 'The custom fields of people, companies and deals (in their order)',
        querystring: ZCustomFieldListQuery,
        response: { 200: ZCustomFieldList },
      },
    },
    async (request) => listFields(services, await member(request), request.query.object),
  );

  r.post(
    '/api/v1/custom-fields',
    {
      schema: {
        tags: ['custom fields'],
        summary: 'Add a custom field (admin); declare whether its values are personal data',
        body: ZCreateCustomFieldBody,
        response: { 201: ZCustomField },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createField(services, await member(request, 'admin'), request.body)),
  );

  r.patch(
    '/api/v1/custom-fields/:id',
    {
      schema: {
        tags: ['custom fields'],
        summary: 'Change a custom field (admin): label, options, position, declaration',
        params: ZCustomFieldParams,
        body: ZUpdateCustomFieldBody,
        response: { 200: ZCustomField },
      },
    },
    async (request) => updateField(services, await member(request, 'admin'), request.params.id, request.body),
  );

  r.delete(
    '/api/v1/custom-fields/:id',
    {
      schema: {
        tags: ['custom fields'],
        summary: 'Delete a custom field and every value of it (admin)',
        params: ZCustomFieldParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteField(services, await member(request, 'admin'), request.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Saved views of a list: my own and the shared ones',
        querystring: ZSavedViewListQuery,
        response: { 200: ZSavedViewList },
      },
    },
    async (request) => listViews(services, await member(request), request.query.object),
  );

  r.post(
    '/api/v1/views',
    {
      schema: {
        tags: ['views'],
        summary: 'Save a view (shared views: member or higher)',
        body: ZCreateSavedViewBody,
        response: { 201: ZSavedView },
      },
    },
    async (request, reply) => reply.status(201).send(await createView(services, await member(request), request.body)),
  );

  r.patch(
    '/api/v1/views/:id',
    {
      schema: {
        tags: ['views'],
        summary: 'Change a saved view (its owner; shared views also admins)',
        params: ZSavedViewParams,
        body: ZUpdateSavedViewBody,
        response: { 200: ZSavedView },
      },
    },
    async (request) => updateView(services, await member(request), request.params.id, request.body),
  );

  r.delete(
    '/api/v1/views/:id',
    {
      schema: {
        tags: ['views'],
        summary: 'Delete a saved view (its owner; shared views also admins)',
        params: ZSavedViewParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteView(services, await member(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
