import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

/** Where a workspace wants its record events POSTed. The signing secret is encrypted at
 *  rest (lib/field-cipher.ts) because it must be read back to sign. */
export const webhookSubscriptions = declareTable(
  pgTable(
    'webhook_subscriptions',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      subscriptionId: uuid('subscription_id').notNull(),
      url: text('url').notNull(),
      description: text('description').notNull().default(''),
      events: text('events').array().notNull(),
      secretEnc: text('secret_enc').notNull(),
      active: boolean('active').notNull().default(true),
      consecutiveFailures: integer('consecutive_failures').notNull().default(0),
      disabledReason: text('disabled_reason'),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.subscriptionId] })],
  ),
  {
    description: 'Outbound webhook subscriptions of a workspace',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      subscriptionId: notPersonal(),
      url: notPersonal('an endpoint of the workspace or its processor'),
      description: notPersonal(),
      events: notPersonal(),
      secretEnc: personal('system.authentication', 'signing secret, encrypted (AES-256-GCM)'),
      active: notPersonal(),
      consecutiveFailures: notPersonal(),
      disabledReason: notPersonal(),
      createdBy: personal('user.account.identifier', 'the member who created it (a user of the service)'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

/**
 * The outbox: one row per record change, written in the transaction of the change, so an
 * event exists exactly when the change committed. `data` is the record as the API returns
 * it, so it holds personal data; rows are deleted 30 days after they were fanned out.
 */
export const webhookEvents = declareTable(
  pgTable(
    'webhook_events',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      eventId: uuid('event_id').notNull(),
      type: text('type').notNull(),
      recordId: uuid('record_id').notNull(),
      personId: uuid('person_id'),
      occurredAt: ts('occurred_at').notNull(),
      data: jsonb('data').notNull(),
      dispatchedAt: ts('dispatched_at'),
      /** The order the events were written in: deliveries go in this order (`occurred_at` ties
       *  within a millisecond, and under a test's fixed clock always). */
      seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.eventId] }),
      index('webhook_events_pending_idx').on(t.workspaceId, t.seq).where(sql`dispatched_at is null`),
      index('webhook_events_person_idx').on(t.workspaceId, t.personId),
    ],
  ),
  {
    description: 'Record events waiting for (or fanned out to) webhook deliveries',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      eventId: notPersonal(),
      type: notPersonal(),
      recordId: notPersonal(),
      personId: personal('user.account.identifier', 'set when the record is a person'),
      occurredAt: notPersonal(),
      data: personal('user.contact', 'the record as the API returns it (names, contact details)'),
      dispatchedAt: notPersonal(),
      seq: notPersonal(),
    },
  },
);

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/** One delivery of one event to one subscription: the unique (event, subscription) pair is
 *  what makes a re-run job idempotent. The row is also the delivery log. */
export const webhookDeliveries = declareTable(
  pgTable(
    'webhook_deliveries',
    {
      workspaceId: uuid('workspace_id').notNull(),
      deliveryId: uuid('delivery_id').notNull(),
      subscriptionId: uuid('subscription_id').notNull(),
      eventId: uuid('event_id').notNull(),
      eventType: text('event_type').notNull(),
      status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
      attempts: integer('attempts').notNull().default(0),
      nextAttemptAt: ts('next_attempt_at'),
      lastAttemptAt: ts('last_attempt_at'),
      responseStatus: integer('response_status'),
      durationMs: integer('duration_ms'),
      responseBody: text('response_body'),
      error: text('error'),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.deliveryId] }),
      unique('webhook_deliveries_event_sub_key').on(t.workspaceId, t.eventId, t.subscriptionId),
      foreignKey({
        columns: [t.workspaceId, t.subscriptionId],
        foreignColumns: [webhookSubscriptions.workspaceId, webhookSubscriptions.subscriptionId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.eventId],
        foreignColumns: [webhookEvents.workspaceId, webhookEvents.eventId],
      }).onDelete('cascade'),
      index('webhook_deliveries_due_idx').on(t.workspaceId, t.nextAttemptAt).where(sql`status = 'pending'`),
      index('webhook_deliveries_log_idx').on(t.workspaceId, t.subscriptionId, t.createdAt, t.deliveryId),
    ],
  ),
  {
    description: 'Webhook deliveries and their log (status, response code, duration, attempts)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      deliveryId: notPersonal(),
      subscriptionId: notPersonal(),
      eventId: notPersonal(),
      eventType: notPersonal(),
      status: notPersonal(),
      attempts: notPersonal(),
      nextAttemptAt: notPersonal(),
      lastAttemptAt: notPersonal(),
      responseStatus: notPersonal(),
      durationMs: notPersonal(),
      responseBody: notPersonal("the first 1 KB of the receiver's answer"),
      error: notPersonal(),
      createdAt: notPersonal(),
    },
  },
);
