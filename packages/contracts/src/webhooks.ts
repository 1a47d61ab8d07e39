// Outbound webhooks (issue 3, "API"). Shared by server and web.
import { z } from 'zod';

export const WEBHOOK_EVENT_TYPES = [
  'person.created',
  'person.updated',
  'person.deleted',
  'person.restored',
  'person.erased',
  'company.created',
  'company.updated',
  'company.deleted',
  'company.restored',
  'deal.created',
  'deal.updated',
  'deal.deleted',
  'deal.restored',
  'task.created',
  'task.updated',
  'task.deleted',
  'task.restored',
  'project.created',
  'project.updated',
  'project.deleted',
  'project.restored',
  'note.created',
  'note.updated',
  'note.deleted',
  'note.restored',
  'file.created',
  'file.deleted',
  'file.restored',
] as const;
export const ZWebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, {
  error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
});
export type TWebhookEventType = z.infer<typeof ZWebhookEventType>;

export const ZWebhook = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(ZWebhookEventType),
  active: z.boolean(),
  consecutiveFailures: z.number().int(),
  /** Why it was switched off automatically, if it was. */
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TWebhook = z.infer<typeof ZWebhook>;
export const ZWebhookList = z.object({ items: z.array(ZWebhook) });
export type TWebhookList = z.infer<typeof ZWebhookList>;

/** The answer to a creation: the signing secret, shown this once. */
export const ZCreatedWebhook = ZWebhook.extend({ secret: z.string() });
export type TCreatedWebhook = z.infer<typeof ZCreatedWebhook>;

const ZUrl = z
  .string({ error: 'must be a string' })
  .trim()
  .max(2000, { error: 'must be at most 2000 characters' })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
      } catch {
        return false;
      }
    },
    { error: 'must be an http(s) URL without credentials' },
  );

export const ZCreateWebhookBody = z
  .object({
    url: ZUrl,
    description: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional(),
    events: z.array(ZWebhookEventType).min(1, { error: 'must name at least one event' }),
  })
  .strict();
export type TCreateWebhookBody = z.infer<typeof ZCreateWebhookBody>;

export const ZUpdateWebhookBody = z
  .object({
    url: ZUrl.optional(),
    description: z.string().trim().max(200, { error: 'must be at most 200 characters' }).optional(),
    events: z.array(ZWebhookEventType).min(1, { error: 'must name at least one event' }).optional(),
    /** true re-enables a subscription (and clears its failure count). */
    active: z.boolean().optional(),
  })
  .strict();
export type TUpdateWebhookBody = z.infer<typeof ZUpdateWebhookBody>;

export const ZWebhookParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) });
export const ZWebhookDeliveryParams = z.object({
  id: z.uuid({ error: 'must be a UUID' }),
  deliveryId: z.uuid({ error: 'must be a UUID' }),
});

export const ZWebhookDelivery = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  /** pending (waiting for its first or next attempt), succeeded, failed (gave up). */
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  responseStatus: z.number().int().nullable(),
  durationMs: z.number().int().nullable(),
  /** The first 1 KB of the receiver's answer. */
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type TWebhookDelivery = z.infer<typeof ZWebhookDelivery>;

export const ZWebhookDeliveryList = z.object({ items: z.array(ZWebhookDelivery), nextCursor: z.string().nullable() });
export type TWebhookDeliveryList = z.infer<typeof ZWebhookDeliveryList>;

export const ZWebhookDeliveryQuery = z
  .object({
    after: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();
