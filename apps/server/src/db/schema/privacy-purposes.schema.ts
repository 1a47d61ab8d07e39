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
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ts } from './columns.ts';
import { people } from './people.schema.ts';
import { workspaces } from './workspaces.schema.ts';

// Purposes, legal bases, consent, restriction and objection (issue 4, P-LB-1, P-CK-2,
// P-DSR-2/5/6/7). The built-in purposes live in code (privacy/purposes); a workspace's own
// purposes are rows here. The consent ledger is append-only: a trigger in the migration
// refuses UPDATE, and DELETE while the person still exists (erasure and the trash purge
// delete the person, which takes their ledger with it).

// The same lists as in @tillit/contracts (privacy-purposes, privacy-consent); drizzle-kit
// reads this file on its own, so they are repeated here.
export const LEGAL_BASES = ['consent', 'contract', 'legitimate_interest', 'legal_obligation'] as const;
export const CONSENT_STATES = ['given', 'withdrawn', 'expired'] as const;
export const CONSENT_METHODS = ['web_form', 'double_opt_in_email', 'import_with_proof', 'verbal', 'api'] as const;
export const OBJECTION_SCOPES = ['legitimate_interest', 'direct_marketing', 'profiling'] as const;

export const privacyPurposes = declareTable(
  pgTable(
    'privacy_purposes',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      purposeKey: text('purpose_key').notNull(),
      name: text('name').notNull(),
      description: text('description').notNull().default(''),
      legalBasis: text('legal_basis', { enum: LEGAL_BASES }).notNull(),
      kind: text('kind').notNull(),
      categories: jsonb('categories').$type<string[]>().notNull().default([]),
      retention: text('retention').notNull(),
      retentionDays: integer('retention_days'),
      /** How long a consent given for this purpose lasts, in months (null: until withdrawn). */
      consentMonths: integer('consent_months'),
      objectable: boolean('objectable').notNull(),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      archivedAt: ts('archived_at'),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.purposeKey] })],
  ),
  {
    description: "A workspace's own purposes of processing, beside the built-in ones (P-LB-1)",
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      purposeKey: notPersonal(),
      name: notPersonal(),
      description: notPersonal(),
      legalBasis: notPersonal(),
      kind: notPersonal(),
      categories: notPersonal('the data categories the purpose may use'),
      retention: notPersonal(),
      retentionDays: notPersonal(),
      consentMonths: notPersonal('how long a consent lasts'),
      objectable: notPersonal(),
      createdBy: personal('user.account.identifier', 'the admin who added the purpose'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      archivedAt: notPersonal('set when the purpose is no longer used'),
    },
  },
);

/** Each published version of a workspace's privacy notice; consents name the version. */
export const privacyNotices = declareTable(
  pgTable(
    'privacy_notices',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      version: integer('version').notNull(),
      body: text('body').notNull(),
      textHash: text('text_hash').notNull(),
      publishedAt: ts('published_at').notNull(),
      publishedBy: uuid('published_by').references(() => users.id, { onDelete: 'set null' }),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.version] })],
  ),
  {
    description: "Versions of a workspace's privacy notice (P-CK-2: a consent names the version it answered)",
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      version: notPersonal(),
      body: notPersonal('the text of the notice'),
      textHash: notPersonal('SHA-256 of the text'),
      publishedAt: notPersonal(),
      publishedBy: personal('user.account.identifier', 'the admin who published the version'),
    },
  },
);

/** The consent ledger (after ISO/IEC TS 27560): append-only; the state at T is the last
 *  record at or before T, per person and purpose (ties in time: the higher `seq`), and a
 *  `given` record whose `expires_at` is at or before T reads as `expired`. */
export const consentRecords = declareTable(
  pgTable(
    'consent_records',
    {
      workspaceId: uuid('workspace_id').notNull(),
      /** UUIDv7 from the clock; its random tail does not order records of one millisecond. */
      recordId: uuid('record_id').notNull(),
      /** The order of appending: breaks ties between records with the same time. */
      seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
      personId: uuid('person_id').notNull(),
      purposeKey: text('purpose_key').notNull(),
      state: text('state', { enum: CONSENT_STATES }).notNull(),
      method: text('method', { enum: CONSENT_METHODS }).notNull(),
      noticeVersion: integer('notice_version').notNull(),
      noticeTextHash: text('notice_text_hash').notNull(),
      recordedAt: ts('recorded_at').notNull(),
      /** A given consent lapses here (the purpose's consent lifetime); null: until withdrawn. */
      expiresAt: ts('expires_at'),
      actorKind: text('actor_kind').notNull(),
      actorId: uuid('actor_id'),
      ip: text('ip'),
      userAgent: text('user_agent'),
      proof: text('proof'),
      evidence: jsonb('evidence').notNull().default({}),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.recordId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('consent_records_person_idx').on(t.workspaceId, t.personId, t.purposeKey, t.recordedAt, t.seq),
      index('consent_records_expiry_idx')
        .on(t.workspaceId, t.expiresAt)
        .where(sql`state = 'given' and expires_at is not null`),
    ],
  ),
  {
    description: 'Consent ledger: each consent given, withdrawn or expired, append-only (P-CK-2, P-DSR-6)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      recordId: notPersonal(),
      seq: notPersonal('the order of appending'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      purposeKey: personal('user.privacy_preferences', 'the purpose the choice is about'),
      state: personal('user.privacy_preferences'),
      method: personal('user.privacy_preferences'),
      noticeVersion: personal('user.privacy_preferences', 'the notice version the choice answered'),
      noticeTextHash: personal('user.privacy_preferences'),
      recordedAt: personal('user.privacy_preferences', 'when the choice was made'),
      expiresAt: personal('user.privacy_preferences', 'when a given consent lapses'),
      actorKind: notPersonal('person, user (staff on their behalf), import or system'),
      actorId: personal('user.account.identifier', 'the member who recorded it, when staff did'),
      ip: personal('user.device.ip_address'),
      userAgent: personal('user.device.user_agent'),
      proof: personal('user.privacy_preferences', 'the named proof of an imported consent'),
      evidence: personal('user.privacy_preferences', 'what the person saw and answered'),
    },
  },
);

/** Double opt-in: a confirmation email is pending until its signed link is used or expires. */
export const consentConfirmations = declareTable(
  pgTable(
    'consent_confirmations',
    {
      workspaceId: uuid('workspace_id').notNull(),
      confirmationId: uuid('confirmation_id').notNull(),
      personId: uuid('person_id').notNull(),
      purposeKey: text('purpose_key').notNull(),
      email: text('email').notNull(),
      noticeVersion: integer('notice_version').notNull(),
      createdAt: ts('created_at').notNull(),
      expiresAt: ts('expires_at').notNull(),
      confirmedAt: ts('confirmed_at'),
      recordId: uuid('record_id'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.confirmationId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('consent_confirmations_person_idx').on(t.workspaceId, t.personId),
    ],
  ),
  {
    description: 'Double opt-in confirmations sent and not yet used or expired',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      confirmationId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      purposeKey: personal('user.privacy_preferences'),
      email: personal('user.contact.email', 'the address the confirmation went to'),
      noticeVersion: personal('user.privacy_preferences'),
      createdAt: personal('user.privacy_preferences'),
      expiresAt: notPersonal(),
      confirmedAt: personal('user.privacy_preferences'),
      recordId: notPersonal('the consent record the confirmation wrote'),
    },
  },
);

/** Restriction of processing (P-DSR-2): while a row has no lifted_at, the person's record
 *  is read-only and left out of every purpose except legal obligation and security. */
export const personRestrictions = declareTable(
  pgTable(
    'person_restrictions',
    {
      workspaceId: uuid('workspace_id').notNull(),
      restrictionId: uuid('restriction_id').notNull(),
      personId: uuid('person_id').notNull(),
      reason: text('reason').notNull(),
      requestId: uuid('request_id'),
      restrictedAt: ts('restricted_at').notNull(),
      restrictedByKind: text('restricted_by_kind').notNull(),
      restrictedBy: uuid('restricted_by'),
      liftedAt: ts('lifted_at'),
      liftedByKind: text('lifted_by_kind'),
      liftedBy: uuid('lifted_by'),
      liftReason: text('lift_reason'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.restrictionId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      uniqueIndex('person_restrictions_active_idx').on(t.workspaceId, t.personId).where(sql`lifted_at is null`),
      index('person_restrictions_person_idx').on(t.workspaceId, t.personId, t.restrictedAt),
    ],
  ),
  {
    description: 'Restrictions of processing of a person, current and lifted (P-DSR-2)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      restrictionId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      reason: personal('user.privacy_preferences', 'why processing is restricted (e.g. a correction is pending)'),
      requestId: notPersonal('the data-subject request that asked for it, if any'),
      restrictedAt: personal('user.privacy_preferences'),
      restrictedByKind: notPersonal(),
      restrictedBy: personal('user.account.identifier', 'the member who restricted it'),
      liftedAt: personal('user.privacy_preferences'),
      liftedByKind: notPersonal(),
      liftedBy: personal('user.account.identifier', 'the member who lifted it'),
      liftReason: personal('user.privacy_preferences'),
    },
  },
);

/** Objections (P-DSR-5, P-DSR-7, P-MKT-5): to a legitimate-interest purpose (one, or all
 *  when purpose_key is null), to direct marketing, to profiling and automated decisions. */
export const personObjections = declareTable(
  pgTable(
    'person_objections',
    {
      workspaceId: uuid('workspace_id').notNull(),
      objectionId: uuid('objection_id').notNull(),
      personId: uuid('person_id').notNull(),
      scope: text('scope', { enum: OBJECTION_SCOPES }).notNull(),
      /** '' = every purpose of the scope (kept as text so the unique index is plain). */
      purposeKey: text('purpose_key').notNull().default(''),
      reason: text('reason').notNull().default(''),
      recordedAt: ts('recorded_at').notNull(),
      recordedByKind: text('recorded_by_kind').notNull(),
      recordedBy: uuid('recorded_by'),
      withdrawnAt: ts('withdrawn_at'),
      withdrawnBy: uuid('withdrawn_by'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.objectionId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      uniqueIndex('person_objections_active_idx')
        .on(t.workspaceId, t.personId, t.scope, t.purposeKey)
        .where(sql`withdrawn_at is null`),
    ],
  ),
  {
    description: 'Objections of a person to processing, marketing or profiling (P-DSR-5, P-DSR-7, P-MKT-5)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      objectionId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      scope: personal('user.privacy_preferences'),
      purposeKey: personal('user.privacy_preferences'),
      reason: personal('user.privacy_preferences'),
      recordedAt: personal('user.privacy_preferences'),
      recordedByKind: notPersonal(),
      recordedBy: personal('user.account.identifier', 'the member who recorded it'),
      withdrawnAt: personal('user.privacy_preferences'),
      withdrawnBy: personal('user.account.identifier', 'the member who recorded the withdrawal'),
    },
  },
);
