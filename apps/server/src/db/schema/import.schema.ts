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
  uuid,
} from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

export const IMPORT_FORMATS = ['csv', 'vcard'] as const;
export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed', 'undoing', 'undone'] as const;
export const IMPORT_ITEM_KINDS = ['person', 'company'] as const;

/** An uploaded file waiting to be imported; the bytes live on disk under the data
 *  directory (`imports/<workspace>/<file>`), never in the database. */
export const importFiles = declareTable(
  pgTable(
    'import_files',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      fileId: uuid('file_id').notNull(),
      name: text('name').notNull(),
      sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
      format: text('format', { enum: IMPORT_FORMATS }).notNull(),
      /** The encoding found at upload (the whole file is checked as it streams in). */
      encoding: text('encoding').notNull(),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.fileId] })],
  ),
  {
    description: 'Files uploaded for an import of people (P-CRM-10); the content stays on disk',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      fileId: notPersonal(),
      name: notPersonal('the file name the member gave'),
      sizeBytes: notPersonal(),
      format: notPersonal(),
      encoding: notPersonal(),
      createdBy: personal('user.account.identifier', 'the member who uploaded it (a user of the service)'),
      createdAt: notPersonal(),
    },
  },
);

export const imports = declareTable(
  pgTable(
    'imports',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      importId: uuid('import_id').notNull(),
      fileId: uuid('file_id').notNull(),
      status: text('status', { enum: IMPORT_STATUSES }).notNull(),
      dryRun: boolean('dry_run').notNull(),
      /** Mapping, duplicate mode, defaults and encoding as validated by the contract. */
      options: jsonb('options').notNull(),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      startedAt: ts('started_at'),
      finishedAt: ts('finished_at'),
      /** A run holds the import until then; a crashed run's lease runs out and the sweep resumes it. */
      leaseUntil: ts('lease_until'),
      /** Records of the file fully handled (committed with the batch that handled them). */
      rowsRead: integer('rows_read').notNull().default(0),
      rowsCreated: integer('rows_created').notNull().default(0),
      rowsUpdated: integer('rows_updated').notNull().default(0),
      rowsSkipped: integer('rows_skipped').notNull().default(0),
      rowsFailed: integer('rows_failed').notNull().default(0),
      companiesCreated: integer('companies_created').notNull().default(0),
      /** Bytes of the file read when the last batch was committed (for progress). */
      bytesRead: bigint('bytes_read', { mode: 'number' }).notNull().default(0),
      /** Why the whole import stopped (no personal values). */
      error: text('error'),
      undoneAt: ts('undone_at'),
      /** When the search postings of the records this import created or updated were all
       *  written (`import.index`, after the batches); null while they wait. */
      searchIndexedAt: ts('search_indexed_at'),
      /** The indexing job's resume point: the last import item (kind, record) it indexed. */
      searchCursorKind: text('search_cursor_kind', { enum: IMPORT_ITEM_KINDS }),
      searchCursorId: uuid('search_cursor_id'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.importId] }),
      foreignKey({
        columns: [t.workspaceId, t.fileId],
        foreignColumns: [importFiles.workspaceId, importFiles.fileId],
      }).onDelete('cascade'),
      index('imports_created_idx').on(t.workspaceId, t.createdAt, t.importId),
      index('imports_pending_idx').on(t.workspaceId, t.status).where(sql`status in ('queued', 'running', 'undoing')`),
      index('imports_search_pending_idx')
        .on(t.workspaceId, t.createdAt)
        .where(sql`search_indexed_at is null and status in ('done', 'failed')`),
    ],
  ),
  {
    description: 'Imports of people and companies from CSV or vCard, with their progress (P-CRM-10)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      importId: notPersonal(),
      fileId: notPersonal(),
      status: notPersonal(),
      dryRun: notPersonal(),
      options: notPersonal('column names, field names and defaults; no values of the file'),
      createdBy: personal('user.account.identifier', 'the member who ran it (a user of the service)'),
      createdAt: notPersonal(),
      startedAt: notPersonal(),
      finishedAt: notPersonal(),
      leaseUntil: notPersonal(),
      rowsRead: notPersonal(),
      rowsCreated: notPersonal(),
      rowsUpdated: notPersonal(),
      rowsSkipped: notPersonal(),
      rowsFailed: notPersonal(),
      companiesCreated: notPersonal(),
      bytesRead: notPersonal(),
      error: notPersonal(),
      undoneAt: notPersonal(),
      searchIndexedAt: notPersonal(),
      searchCursorKind: notPersonal(),
      searchCursorId: notPersonal(
        'the id of a record the import wrote, none of its values; resolves to no one once erased',
      ),
    },
  },
);

export const IMPORT_ITEM_ACTIONS = ['created', 'updated'] as const;

/** What an import did to each record, so that undo is exact: created records are removed,
 *  updated people get `previous` back. Deleted by the undo as it goes. */
export const importItems = declareTable(
  pgTable(
    'import_items',
    {
      workspaceId: uuid('workspace_id').notNull(),
      importId: uuid('import_id').notNull(),
      kind: text('kind', { enum: IMPORT_ITEM_KINDS }).notNull(),
      recordId: uuid('record_id').notNull(),
      action: text('action', { enum: IMPORT_ITEM_ACTIONS }).notNull(),
      /** The person as it was before the import touched it (fields, emails, phones, tags,
       *  categories, company links); null for created records. */
      previous: jsonb('previous'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.importId, t.kind, t.recordId] }),
      foreignKey({
        columns: [t.workspaceId, t.importId],
        foreignColumns: [imports.workspaceId, imports.importId],
      }).onDelete('cascade'),
      // A person's import rows (their access package, P-DSR-1).
      index('import_items_record_idx').on(t.workspaceId, t.recordId),
    ],
  ),
  {
    description: 'Records created or updated by an import, with the values before (for undo)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'recordId' },
    columns: {
      workspaceId: notPersonal(),
      importId: notPersonal(),
      kind: notPersonal(),
      recordId: personal('user.account.identifier', 'the id of the person (or company) in this workspace'),
      action: notPersonal(),
      previous: personal('user', "a copy of the person's record before the import changed it"),
    },
  },
);

/** The rows an import refused and why: row number, field, problem (never the value). */
export const importErrors = declareTable(
  pgTable(
    'import_errors',
    {
      workspaceId: uuid('workspace_id').notNull(),
      importId: uuid('import_id').notNull(),
      rowNo: integer('row_no').notNull(),
      seq: integer('seq').notNull(),
      field: text('field').notNull(),
      problem: text('problem').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.importId, t.rowNo, t.seq] }),
      foreignKey({
        columns: [t.workspaceId, t.importId],
        foreignColumns: [imports.workspaceId, imports.importId],
      }).onDelete('cascade'),
    ],
  ),
  {
    description: 'Problems found in the rows of an import (the downloadable report)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      importId: notPersonal(),
      rowNo: notPersonal(),
      seq: notPersonal(),
      field: notPersonal('a column or field name'),
      problem: notPersonal('a message without the value'),
    },
  },
);
