import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

/** The kinds of record a file can be attached to. Tasks, projects and notes join this list
 *  when they exist (the link is generic: kind + id, checked by the files service). */
export const FILE_RECORD_KINDS = ['person', 'company', 'deal'] as const;
export const FILE_PURPOSES = ['attachment', 'photo'] as const;
export const THUMBNAIL_STATES = ['pending', 'done', 'none', 'failed'] as const;

/**
 * Files attached to records (P-CRM-7) and people's photos (P-CRM-1). The bytes live in the
 * storage (storage/), under `storage_key`; the thumbnail of an image under `thumbnail_key`.
 * `person_id` is the record id again when the record is a person, so the data map can find a
 * person's files (their names and content are personal data about them).
 */
export const files = declareTable(
  pgTable(
    'files',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      fileId: uuid('file_id').notNull(),
      recordKind: text('record_kind', { enum: FILE_RECORD_KINDS }).notNull(),
      recordId: uuid('record_id').notNull(),
      personId: uuid('person_id'),
      purpose: text('purpose', { enum: FILE_PURPOSES }).notNull().default('attachment'),
      name: text('name').notNull(),
      /** Sniffed from the content, never the declared type. */
      contentType: text('content_type').notNull(),
      size: bigint('size', { mode: 'number' }).notNull(),
      sha256: text('sha256').notNull(),
      storageKey: text('storage_key').notNull(),
      thumbnailState: text('thumbnail_state', { enum: THUMBNAIL_STATES }).notNull().default('none'),
      thumbnailKey: text('thumbnail_key'),
      uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
      deletedBy: uuid('deleted_by').references(() => users.id, { onDelete: 'set null' }),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.fileId] }),
      // A record's files, newest first (keyset over created_at, file_id).
      index('files_record_idx')
        .on(t.workspaceId, t.recordKind, t.recordId, t.createdAt, t.fileId)
        .where(sql`deleted_at is null`),
      // Every file of a record, live or in the trash (purge of the record).
      index('files_record_all_idx').on(t.workspaceId, t.recordId),
      index('files_person_idx').on(t.workspaceId, t.personId),
      index('files_deleted_idx').on(t.workspaceId, t.deletedAt, t.fileId).where(sql`deleted_at is not null`),
      index('files_thumbnail_pending_idx').on(t.workspaceId, t.fileId).where(sql`thumbnail_state = 'pending'`),
    ],
  ),
  {
    description: 'Files and images attached to records, and the photos of people (P-CRM-7, P-CRM-1)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      fileId: notPersonal(),
      recordKind: notPersonal(),
      recordId: notPersonal('the record the file is attached to; a person when personId is set'),
      personId: personal('user.account.identifier', 'the person the file is attached to, if it is a person'),
      purpose: notPersonal(),
      name: personal('user.document', 'a file name often names the person'),
      contentType: notPersonal(),
      size: notPersonal(),
      sha256: personal('user.document', 'a hash of the content, which may be about the person'),
      storageKey: personal('user.document', 'where the content (which may be personal, or a photo) is stored'),
      thumbnailState: notPersonal(),
      thumbnailKey: personal('user.document', 'where the thumbnail of the content is stored'),
      uploadedBy: personal('user.account.identifier', 'the member who uploaded it (a user of the service)'),
      createdAt: notPersonal(),
      deletedAt: notPersonal('set while the file is in the trash'),
      deletedBy: personal('user.account.identifier', 'the member who deleted it (a user of the service)'),
    },
  },
);

/** Bytes of the files each workspace stores (originals; thumbnails are not counted), against its quota. Updated in the
 *  same transaction as the file rows, by a conditional update, so that two concurrent
 *  uploads cannot together pass the quota. */
export const workspaceStorage = declareTable(
  pgTable('workspace_storage', {
    workspaceId: uuid('workspace_id')
      .primaryKey()
      .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
    usedBytes: bigint('used_bytes', { mode: 'number' }).notNull().default(0),
    fileCount: bigint('file_count', { mode: 'number' }).notNull().default(0),
    /** Null: the instance's default (FILES_QUOTA_BYTES). */
    quotaBytes: bigint('quota_bytes', { mode: 'number' }),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  }),
  {
    description: 'Storage used by each workspace and its quota',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      usedBytes: notPersonal(),
      fileCount: notPersonal(),
      quotaBytes: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);
