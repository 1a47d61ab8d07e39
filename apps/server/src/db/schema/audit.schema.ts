import { bigint, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { ts } from './columns.ts';

/**
 * The audit log: one hash chain per workspace (the instance has its own, under the nil
 * UUID). Personal details (IP, user agent, email addresses) sit in `personal`, covered by
 * `personal_digest` rather than by the entry hash directly, so that erasing them later
 * keeps the chain verifiable. See privacy/audit/README.md.
 */
export const auditEntries = declareTable(
  pgTable(
    'audit_entries',
    {
      workspaceId: uuid('workspace_id').notNull(),
      seq: bigint('seq', { mode: 'number' }).notNull(),
      entryId: uuid('entry_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
      actorKind: text('actor_kind', { enum: ['user', 'system', 'anonymous', 'operator'] }).notNull(),
      actorId: uuid('actor_id'),
      action: text('action').notNull(),
      targetType: text('target_type'),
      targetId: text('target_id'),
      subjectUserId: uuid('subject_user_id'),
      details: jsonb('details').notNull().default({}),
      personal: jsonb('personal'),
      personalDigest: text('personal_digest'),
      prevHash: text('prev_hash').notNull(),
      hash: text('hash').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.seq] }),
      index('audit_entries_subject_idx').on(t.workspaceId, t.subjectUserId),
      index('audit_entries_occurred_idx').on(t.workspaceId, t.occurredAt),
      // The entries about one record (a person's access package, P-DSR-1).
      index('audit_entries_target_idx').on(t.workspaceId, t.targetId),
    ],
  ),
  {
    description: 'Hash-chained audit log of security and personal-data events',
    tenancy: 'tenant',
    controller: 'service',
    subject: { kind: 'user', column: 'subjectUserId' },
    columns: {
      workspaceId: notPersonal(),
      seq: notPersonal(),
      entryId: notPersonal(),
      occurredAt: personal('user.behavior.activity'),
      actorKind: notPersonal(),
      actorId: personal('user.account.identifier'),
      action: personal('user.behavior.activity'),
      targetType: notPersonal(),
      targetId: personal('user.account.identifier', 'may be a user id'),
      subjectUserId: personal('user.account.identifier'),
      details: personal('user.behavior.activity', 'ids and outcomes only, never contact data'),
      personal: personal('user.device.ip_address', 'IP, user agent and email addresses; erasable'),
      personalDigest: notPersonal('SHA-256 over the personal details and a random nonce'),
      prevHash: notPersonal(),
      hash: notPersonal(),
    },
  },
);

export const auditChainHeads = declareTable(
  pgTable('audit_chain_heads', {
    workspaceId: uuid('workspace_id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  }),
  {
    description: 'The newest entry of each audit chain, locked while appending',
    tenancy: 'tenant',
    controller: 'service',
    columns: { workspaceId: notPersonal(), seq: notPersonal(), hash: notPersonal() },
  },
);
