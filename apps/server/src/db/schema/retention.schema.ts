import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

/**
 * A workspace's own retention period for a rule (privacy/retention). Only periods inside
 * the rule's legal bounds are accepted; without a row the rule's built-in default applies.
 */
export const retentionOverrides = declareTable(
  pgTable(
    'retention_overrides',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      ruleKey: text('rule_key').notNull(),
      days: integer('days').notNull(),
      updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.ruleKey] })],
  ),
  {
    description: "A workspace's retention periods where they differ from the built-in defaults",
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      ruleKey: notPersonal(),
      days: notPersonal(),
      updatedBy: personal('user.account.identifier', 'the admin who set the period'),
      updatedAt: notPersonal(),
    },
  },
);

/**
 * P-ACC-5: a workspace whose owner terminated it. The retention job deletes all of the
 * workspace's data once the period of the `workspace.terminated` rule has passed since
 * `terminated_at`, unless a legal hold applies. The row goes with the workspace.
 */
export const workspaceTerminations = declareTable(
  pgTable('workspace_terminations', {
    workspaceId: uuid('workspace_id')
      .primaryKey()
      .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
    terminatedAt: ts('terminated_at').notNull(),
    terminatedBy: uuid('terminated_by').references(() => users.id, { onDelete: 'set null' }),
  }),
  {
    description: 'Workspaces whose owner terminated them, waiting for their data to be deleted',
    tenancy: 'tenant',
    controller: 'service',
    columns: {
      workspaceId: notPersonal(),
      terminatedAt: notPersonal(),
      terminatedBy: personal('user.account.identifier', 'the owner who terminated the workspace'),
    },
  },
);

/**
 * P-SEC-7: a workspace admin's grant that lets the instance's operators (support staff)
 * read some objects of the workspace, read-only, until `expires_at` or a revocation.
 */
export const supportAccessGrants = declareTable(
  pgTable(
    'support_access_grants',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      grantId: uuid('grant_id').notNull(),
      /** Which objects operators may read: a list of object names (people, companies). */
      scope: jsonb('scope').notNull(),
      readOnly: boolean('read_only').notNull().default(true),
      reason: text('reason').notNull(),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull(),
      expiresAt: ts('expires_at').notNull(),
      revokedAt: ts('revoked_at'),
      revokedBy: uuid('revoked_by').references(() => users.id, { onDelete: 'set null' }),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.grantId] }),
      index('support_access_grants_active_idx').on(t.workspaceId, t.expiresAt).where(sql`revoked_at is null`),
    ],
  ),
  {
    description: 'Grants that let support staff read some of a workspace’s data for a limited time',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      grantId: notPersonal(),
      scope: notPersonal(),
      readOnly: notPersonal(),
      reason: notPersonal('why support needs access, written by the admin'),
      createdBy: personal('user.account.identifier', 'the admin who granted access'),
      createdAt: notPersonal(),
      expiresAt: notPersonal(),
      revokedAt: notPersonal(),
      revokedBy: personal('user.account.identifier', 'the admin who revoked it'),
    },
  },
);

/** P-SEC-7: each read an operator made under a grant (also appended to the audit chain). */
export const supportAccessEvents = declareTable(
  pgTable(
    'support_access_events',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      /** UUIDv7: orders by time and is the keyset. */
      eventId: uuid('event_id').notNull(),
      grantId: uuid('grant_id').notNull(),
      operatorId: uuid('operator_id').notNull(),
      object: text('object').notNull(),
      recordId: uuid('record_id'),
      action: text('action', { enum: ['read', 'list'] }).notNull(),
      auditSeq: bigint('audit_seq', { mode: 'number' }).notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.eventId] }),
      index('support_access_events_grant_idx').on(t.workspaceId, t.grantId, t.eventId),
    ],
  ),
  {
    description: 'Reads by support staff under an access grant, shown to the workspace',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      eventId: notPersonal(),
      grantId: notPersonal(),
      operatorId: personal('user.account.identifier', 'the operator who read the data'),
      object: notPersonal(),
      recordId: personal('user.account.identifier', 'the record read (a person or company id)'),
      action: personal('user.behavior.activity'),
      auditSeq: notPersonal('the audit entry that records the same read'),
      occurredAt: personal('user.behavior.activity'),
    },
  },
);
