import type { TPermissionAction } from '@tillit/contracts';
import {
  ZCreateInteractionBody,
  ZCreateNoteBody,
  ZDeletedRecord,
  ZInteraction,
  ZInteractionList,
  ZInteractionListQuery,
  ZInteractionParams,
  ZNote,
  ZNoteParams,
  ZTimeline,
  ZTimelineQuery,
  ZUpdateInteractionBody,
  ZUpdateNoteBody,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { requireAllowed } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import {
  createInteraction,
  deleteInteraction,
  getInteraction,
  listInteractions,
  updateInteraction,
} from './interactions.service.ts';
import { createNote, deleteNote, getNote, restoreNote, updateNote } from './notes.service.ts';
import { getTimeline } from './timeline.service.ts';

/** Notes, interactions and the timeline (P-CRM-9): viewer reads, member writes. Each route:
 *  validate, authorise, one service call. */
export function registerTimelineRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  type Req = Parameters<typeof requireMember>[1];
  // Notes, calls, meetings and the timeline they make are the matrix's 'notes' object; API
  // keys need its scopes.
  const allowed = async (request: Req, action: TPermissionAction) =>
    actorOf(await requireAllowed(services, request, 'notes', action));

  r.get(
    '/api/v1/timeline',
    {
      schema: {
        tags: ['timeline'],
        summary:
          'The timeline of one person, company or deal: notes, calls, meetings, emails and stage changes, newest first (keyset: pass nextCursor back as after)',
        querystring: ZTimelineQuery,
        response: { 200: ZTimeline },
      },
    },
    async (request) => getTimeline(services, await allowed(request, 'read'), request.query),
  );

  const ntags = ['notes'];
  r.post(
    '/api/v1/notes',
    {
      schema: {
        tags: ntags,
        summary: 'Write a note about people, companies or deals (member); the HTML is sanitised',
        body: ZCreateNoteBody,
        response: { 201: ZNote },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createNote(services, await allowed(request, 'create'), request.body)),
  );
  r.get(
    '/api/v1/notes/:id',
    { schema: { tags: ntags, summary: 'One note', params: ZNoteParams, response: { 200: ZNote } } },
    async (request) => getNote(services, await allowed(request, 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/notes/:id',
    {
      schema: {
        tags: ntags,
        summary: 'Change a note (member)',
        params: ZNoteParams,
        body: ZUpdateNoteBody,
        response: { 200: ZNote },
      },
    },
    async (request) => updateNote(services, await allowed(request, 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/notes/:id',
    {
      schema: {
        tags: ntags,
        summary: 'Move a note to the trash (member); restore it within 30 days',
        params: ZNoteParams,
        response: { 200: ZDeletedRecord },
      },
    },
    async (request) => deleteNote(services, await allowed(request, 'delete'), request.params.id),
  );
  // The shared trash's restore for kind 'note' (a static segment wins over people.routes.ts's
  // /api/v1/trash/:kind/:id/restore, so that route needs no branch for notes).
  r.post(
    '/api/v1/trash/note/:id/restore',
    {
      schema: {
        tags: ['trash'],
        summary: 'Restore a note from the trash (member)',
        params: ZNoteParams,
        response: { 200: ZNote },
      },
    },
    async (request) => restoreNote(services, await allowed(request, 'delete'), request.params.id),
  );

  const itags = ['interactions'];
  r.get(
    '/api/v1/interactions',
    {
      schema: {
        tags: itags,
        summary: 'The calls, meetings and emails of one person, company or deal, newest first',
        querystring: ZInteractionListQuery,
        response: { 200: ZInteractionList },
      },
    },
    async (request) => listInteractions(services, await allowed(request, 'read'), request.query),
  );
  r.post(
    '/api/v1/interactions',
    {
      schema: {
        tags: itags,
        summary: 'Log a call, meeting or email (member)',
        body: ZCreateInteractionBody,
        response: { 201: ZInteraction },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createInteraction(services, await allowed(request, 'create'), request.body)),
  );
  r.get(
    '/api/v1/interactions/:id',
    {
      schema: { tags: itags, summary: 'One interaction', params: ZInteractionParams, response: { 200: ZInteraction } },
    },
    async (request) => getInteraction(services, await allowed(request, 'read'), request.params.id),
  );
  r.patch(
    '/api/v1/interactions/:id',
    {
      schema: {
        tags: itags,
        summary: 'Change an interaction (member); its kind stays',
        params: ZInteractionParams,
        body: ZUpdateInteractionBody,
        response: { 200: ZInteraction },
      },
    },
    async (request) => updateInteraction(services, await allowed(request, 'update'), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/interactions/:id',
    {
      schema: {
        tags: itags,
        summary: 'Delete an interaction for good (member)',
        params: ZInteractionParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteInteraction(services, await allowed(request, 'delete'), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
