import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { ts } from './columns.ts';

export const ACCESS_ACTIONS = ['read', 'list', 'search', 'export', 'download'] as const;

/**
 * Who read which personal data, when and through which path. One row per record read
 * (a person's detail page, a file download) and one row per request that shows many
 * (a list page, a search, an export: subject empty, the filter and count in `details`).
 * Rows are written in the reading transaction, without the audit chain's head lock, and
 * sealed into the chain in batches by the `access-log.seal` job (see privacy/access-log).
 */
export const accessLog = declareTable(
  pgTable(
    'access_log',
    {
      workspaceId: uuid('workspace_id').notNull(),
      entryId: uuid('entry_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
      actorKind: text('actor_kind').notNull(),
      actorId: uuid('actor_id'),
      action: text('action', { enum: ACCESS_ACTIONS }).notNull(),
      via: text('via').notNull(),
      subjectKind: text('subject_kind'),
      subjectId: uuid('subject_id'),
      details: jsonb('details').notNull().default({}),
      sealedSeq: bigint('sealed_seq', { mode: 'number' }),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.entryId] }),
      index('access_log_subject_idx').on(t.workspaceId, t.subjectId, t.occurredAt, t.entryId),
      index('access_log_unsealed_idx').on(t.workspaceId, t.entryId).where(sql`sealed_seq is null`),
      index('access_log_sealed_idx').on(t.workspaceId, t.sealedSeq),
    ],
  ),
  {
    description: 'Access log: reads of personal data, sealed into the audit chain in batches',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      entryId: notPersonal(),
      occurredAt: personal('user.behavior.activity', 'when a member read the data'),
      actorKind: notPersonal(),
      actorId: personal('user.account.identifier', 'the member or API key that read the data'),
      action: personal('user.behavior.activity'),
      via: notPersonal('the API path or feature, e.g. people.get'),
      subjectKind: notPersonal(),
      subjectId: personal(
        'user.account.identifier',
        'the record read (a person, company, deal or file id); not re-pointed by merges, so the seal stays verifiable',
      ),
      details: personal(
        'user.behavior.activity',
        'filters and counts of list, search and export requests; never contact data',
      ),
      sealedSeq: notPersonal('the audit entry that sealed this row'),
    },
  },
);
