import {
  ZCreatedWebhook,
  ZCreateWebhookBody,
  ZUpdateWebhookBody,
  ZWebhook,
  ZWebhookDelivery,
  ZWebhookDeliveryList,
  ZWebhookDeliveryParams,
  ZWebhookDeliveryQuery,
  ZWebhookList,
  ZWebhookParams,
} from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  resendDelivery,
  updateWebhook,
} from './webhooks.service.ts';

/** Webhook subscriptions and their delivery log: admins only, signed in (never an API key). */
export function registerWebhookRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const admin = async (request: Parameters<typeof requireMember>[1]) =>
    actorOf(await requireMember(services, request, 'admin'));

  r.get(
    '/api/v1/webhooks',
    { schema: { tags, summary: 'Webhook subscriptions (admin)', response: { 200: ZWebhookList } } },
    async (request) => listWebhooks(services, await admin(request)),
  );
  r.post(
    '/api/v1/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to record events (admin); the answer holds the signing secret, shown once',
        body: ZCreateWebhookBody,
        response: { 201: ZCreatedWebhook },
      },
    },
    async (request, reply) => reply.status(201).send(await createWebhook(services, await admin(request), request.body)),
  );
  r.patch(
    '/api/v1/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Change a subscription; active true re-enables it (admin)',
        params: ZWebhookParams,
        body: ZUpdateWebhookBody,
        response: { 200: ZWebhook },
      },
    },
    async (request) => updateWebhook(services, await admin(request), request.params.id, request.body),
  );
  r.delete(
    '/api/v1/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a subscription and its delivery log (admin)',
        params: ZWebhookParams,
        response: { 200: z.object({ id: z.uuid() }) },
      },
    },
    async (request) => deleteWebhook(services, await admin(request), request.params.id),
  );
  r.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log, newest first, keyset pages (admin)',
        params: ZWebhookParams,
        querystring: ZWebhookDeliveryQuery,
        response: { 200: ZWebhookDeliveryList },
      },
    },
    async (request) => listDeliveries(services, await admin(request), request.params.id, request.query),
  );
  r.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/resend',
    {
      schema: {
        tags,
        summary: 'Send a delivery again at the next run of the delivery job (admin)',
        params: ZWebhookDeliveryParams,
        response: { 200: ZWebhookDelivery },
      },
    },
    async (request) => resendDelivery(services, await admin(request), request.params.id, request.params.deliveryId),
  );
}
