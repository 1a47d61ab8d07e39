import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

export const LEGAL_HOLD_REASONS = ['invoice_7y', 'open_contract', 'litigation', 'other'] as const;

/**
 * Legal holds (P-DSR-3, P-RET-2): a record that a contract or the law requires to keep, even
 * when the person it is about asks to be erased or a retention rule would delete it. A hold
 * names a record (`table_name` + `record_id`) and the person it ties to; `until` null means
 * open-ended (until released). Erasure and retention both ask `activeHolds`.
 */
export const legalHolds = declareTable(
  pgTable(
    'legal_holds',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      holdId: uuid('hold_id').notNull(),
      personId: uuid('person_id').notNull(),
      tableName: text('table_name').notNull(),
      recordId: uuid('record_id').notNull(),
      reason: text('reason', { enum: LEGAL_HOLD_REASONS }).notNull(),
      note: text('note'),
      until: ts('until'),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      releasedAt: ts('released_at'),
      releasedBy: uuid('released_by').references(() => users.id, { onDelete: 'set null' }),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.holdId] }),
      index('legal_holds_person_idx').on(t.workspaceId, t.personId),
      index('legal_holds_record_idx').on(t.workspaceId, t.tableName, t.recordId),
    ],
  ),
  {
    description: 'Legal holds: records a contract or the law requires to keep (P-DSR-3, P-RET-2)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      holdId: notPersonal(),
      personId: personal('user.account.identifier', 'the random id of the person the held record is about'),
      tableName: notPersonal(),
      recordId: notPersonal('the id of the held record'),
      reason: notPersonal(),
      note: notPersonal('a reference such as an invoice or case number; no personal data by instruction'),
      until: notPersonal(),
      createdBy: personal('user.account.identifier', 'the member who placed the hold'),
      createdAt: notPersonal(),
      releasedAt: notPersonal(),
      releasedBy: personal('user.account.identifier', 'the member who released the hold'),
    },
  },
);

export const ERASURE_STATES = ['complete', 'held'] as const;

/**
 * The erasures of people (P-DSR-3): one row per erasure with its certificate (ids, tables,
 * counts, holds; never the person's data). `held` while records under a legal hold keep an
 * anonymised remainder; the `erasure.finish` job completes it once the holds end.
 */
export const erasures = declareTable(
  pgTable(
    'erasures',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      erasureId: uuid('erasure_id').notNull(),
      personId: uuid('person_id').notNull(),
      requestId: text('request_id'),
      reason: text('reason').notNull(),
      state: text('state', { enum: ERASURE_STATES }).notNull(),
      heldUntil: ts('held_until'),
      certificate: jsonb('certificate').notNull(),
      auditSeq: integer('audit_seq'),
      erasedBy: uuid('erased_by'),
      erasedAt: ts('erased_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.erasureId] }),
      index('erasures_person_idx').on(t.workspaceId, t.personId, t.erasedAt),
      index('erasures_held_idx').on(t.workspaceId, t.erasureId).where(sql`state = 'held'`),
    ],
  ),
  {
    description: 'Erasures of people and their certificates (P-DSR-3); no personal data',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      erasureId: notPersonal(),
      personId: personal('user.account.identifier', 'the random id the erased person had; it resolves to no one'),
      requestId: notPersonal(),
      reason: notPersonal('why: a data-subject request, a staff decision'),
      state: notPersonal(),
      heldUntil: notPersonal(),
      certificate: notPersonal('tables, fields, counts, holds and tombstone count; no personal data'),
      auditSeq: notPersonal(),
      erasedBy: personal('user.account.identifier', 'the member who erased'),
      erasedAt: notPersonal(),
    },
  },
);

export const TOMBSTONE_KINDS = ['email', 'phone'] as const;

/**
 * Tombstones (P-DSR-3): `HMAC-SHA256(workspace key, normalised identifier)` of every email
 * and phone of an erased person, so that no way in (API, import, merge, sync) brings them
 * back. A new recorded consent lifts one (`lifted_at`); erasing again re-arms it.
 */
export const tombstones = declareTable(
  pgTable(
    'tombstones',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      hash: text('hash').notNull(),
      kind: text('kind', { enum: TOMBSTONE_KINDS }).notNull(),
      erasureId: uuid('erasure_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      liftedAt: ts('lifted_at'),
      liftedBy: uuid('lifted_by'),
      liftConsentId: text('lift_consent_id'),
      liftEvidence: text('lift_evidence'),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.hash] })],
  ),
  {
    description: 'Keyed hashes of the emails and phones of erased people (P-DSR-3)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      hash: personal('user.contact', 'HMAC-SHA256 with a per-workspace key; not reversible without it'),
      kind: notPersonal(),
      erasureId: notPersonal(),
      createdAt: notPersonal(),
      liftedAt: notPersonal(),
      liftedBy: personal('user.account.identifier', 'the member who recorded the new consent'),
      liftConsentId: notPersonal(),
      liftEvidence: notPersonal('what proves the new consent; staff are told to write no contact data here'),
    },
  },
);

/**
 * How many events of the erasure ledger (`privacy/backup/erasure-ledger.ts`) this database
 * reflects: one row. Each erasure and lift adds one in its transaction; the server compares
 * it with the ledger at every start and replays the ledger when the database is behind (a
 * restore by any means, P-SEC-8).
 */
export const erasureLedgerState = declareTable(
  pgTable('erasure_ledger_state', {
    id: integer('id').primaryKey(),
    events: integer('events').notNull(),
    replayedAt: ts('replayed_at'),
  }),
  {
    description: 'How far this database has applied the erasure ledger (P-SEC-8)',
    tenancy: 'global',
    controller: 'service',
    columns: {
      id: notPersonal('always 1'),
      events: notPersonal('the number of ledger events the database reflects'),
      replayedAt: notPersonal('when a start last replayed the ledger'),
    },
  },
);
