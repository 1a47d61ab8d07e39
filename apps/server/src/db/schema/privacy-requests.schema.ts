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
import { ctext, tsMs as ts } from './columns.ts';
import { people } from './people.schema.ts';
import { workspaces } from './workspaces.schema.ts';

// Requests from the people in the data (P-DSR-1, -2, -4, -8): the request and its steps, the
// people it was matched to, the codes that prove control of an address on the public page,
// the access packages and the workspace's complaint-authority text. See privacy/requests/.

export const PRIVACY_REQUEST_KINDS = [
  'access',
  'portability',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'objection_automated',
  'withdrawal',
] as const;
export const PRIVACY_REQUEST_STATUSES = [
  'received',
  'verifying',
  'in_progress',
  'extended',
  'fulfilled',
  'refused',
] as const;
export const PRIVACY_REQUEST_CHANNELS = ['staff', 'public'] as const;
export const PRIVACY_PACKAGE_STATES = ['pending', 'running', 'ready', 'failed'] as const;

export const privacyRequests = declareTable(
  pgTable(
    'privacy_requests',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      requestId: uuid('request_id').notNull(),
      kind: text('kind', { enum: PRIVACY_REQUEST_KINDS }).notNull(),
      status: text('status', { enum: PRIVACY_REQUEST_STATUSES }).notNull().default('received'),
      channel: text('channel', { enum: PRIVACY_REQUEST_CHANNELS }).notNull(),
      /** The address the person wrote from (verified by a code on the public page). */
      requesterEmail: ctext('requester_email'),
      /** What the person asks for, in their words (e.g. what to correct). */
      details: text('details').notNull().default(''),
      /** Rectification: the corrected values (fields of the people update contract), as the
       *  person gave them or as staff edited them; applied on fulfilment. */
      correction: jsonb('correction'),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      receivedAt: ts('received_at').notNull(),
      /** 30 days after receipt; moved once by an extension (up to two more months). */
      dueAt: ts('due_at').notNull(),
      extendedAt: ts('extended_at'),
      extensionReason: text('extension_reason'),
      /** An access request within 12 months of another for the same person (P-DSR-1). */
      repeatExtract: boolean('repeat_extract').notNull().default(false),
      refusalReason: text('refusal_reason'),
      closedAt: ts('closed_at'),
      /** What fulfilment produced: the erasure certificate, the purposes objected to, ... */
      outcome: jsonb('outcome'),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.requestId] }),
      // The inbox: by due date, every request or one status.
      index('privacy_requests_due_idx').on(t.workspaceId, t.dueAt, t.requestId),
      index('privacy_requests_status_idx').on(t.workspaceId, t.status, t.dueAt, t.requestId),
      index('privacy_requests_email_idx').on(t.workspaceId, t.requesterEmail),
    ],
  ),
  {
    description: 'Requests from the people in the data: access, erasure, rectification, ... (P-DSR-1..8)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      requestId: notPersonal(),
      kind: personal('user.privacy_preferences', 'which right the person exercises'),
      status: notPersonal(),
      channel: notPersonal(),
      requesterEmail: personal('user.contact.email', 'kept with the request as a record of how it was answered'),
      details: personal('user.privacy_preferences', 'what the person asks, in their words'),
      correction: personal('user.contact', 'the corrected name, contact details or address of a rectification'),
      ownerId: personal('user.account.identifier', 'the member handling the request (a user of the service)'),
      receivedAt: personal('user.privacy_preferences', 'when the person asked'),
      dueAt: notPersonal(),
      extendedAt: notPersonal(),
      extensionReason: notPersonal('why the deadline was moved'),
      repeatExtract: notPersonal(),
      refusalReason: notPersonal('why the request was refused'),
      closedAt: notPersonal(),
      outcome: notPersonal('references and counts only (certificate, purposes); never contact data'),
      createdBy: personal('user.account.identifier', 'the member who recorded it (a user of the service)'),
      updatedAt: notPersonal(),
    },
  },
);

/** The people a request is about: one on a request staff record on a person; on a public
 *  request, every person with the verified address (possibly none). */
export const privacyRequestPeople = declareTable(
  pgTable(
    'privacy_request_people',
    {
      workspaceId: uuid('workspace_id').notNull(),
      requestId: uuid('request_id').notNull(),
      personId: uuid('person_id').notNull(),
      receivedAt: ts('received_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.requestId, t.personId] }),
      foreignKey({
        columns: [t.workspaceId, t.requestId],
        foreignColumns: [privacyRequests.workspaceId, privacyRequests.requestId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      // A person's requests, newest first (the person page; the repeat-extract check).
      index('privacy_request_people_person_idx').on(t.workspaceId, t.personId, t.receivedAt, t.requestId),
    ],
  ),
  {
    description: 'Which people a request from a data subject is about',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      requestId: personal('user.privacy_preferences', 'a request the person made'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      receivedAt: notPersonal(),
    },
  },
);

/** Every step of a request, in order (received, verified, assigned, extended, fulfilled,
 *  package downloaded, notes). The audit chain records the same steps. */
export const privacyRequestSteps = declareTable(
  pgTable(
    'privacy_request_steps',
    {
      workspaceId: uuid('workspace_id').notNull(),
      requestId: uuid('request_id').notNull(),
      stepId: uuid('step_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
      actorKind: text('actor_kind', { enum: ['user', 'system', 'anonymous'] }).notNull(),
      actorId: uuid('actor_id'),
      action: text('action').notNull(),
      note: text('note'),
      details: jsonb('details').notNull().default({}),
      /** The audit entry that records the step: orders the steps (one sequence per workspace). */
      auditSeq: bigint('audit_seq', { mode: 'number' }).notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.requestId, t.stepId] }),
      foreignKey({
        columns: [t.workspaceId, t.requestId],
        foreignColumns: [privacyRequests.workspaceId, privacyRequests.requestId],
      }).onDelete('cascade'),
    ],
  ),
  {
    description: 'The steps taken on each request from a data subject',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      requestId: notPersonal(),
      stepId: notPersonal(),
      occurredAt: notPersonal(),
      actorKind: notPersonal(),
      actorId: personal('user.account.identifier', 'the member who took the step (a user of the service)'),
      action: notPersonal(),
      note: personal('user.content.note', "a member's note on the request"),
      details: notPersonal('ids and counts only'),
      auditSeq: notPersonal(),
    },
  },
);

/** A code sent to an address on the public request page. Nothing is looked up until the
 *  code is confirmed; rows are purged a day after they expire. */
export const privacyRequestVerifications = declareTable(
  pgTable(
    'privacy_request_verifications',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      verificationId: uuid('verification_id').notNull(),
      email: ctext('email').notNull(),
      /** HMAC of the client's IP address: throttling without keeping the address. */
      ipHash: text('ip_hash').notNull(),
      kind: text('kind', { enum: PRIVACY_REQUEST_KINDS }).notNull(),
      details: text('details').notNull().default(''),
      /** Rectification: the corrected values the person gave, until the code is confirmed. */
      correction: jsonb('correction'),
      codeHash: text('code_hash').notNull(),
      attempts: integer('attempts').notNull().default(0),
      createdAt: ts('created_at').notNull(),
      expiresAt: ts('expires_at').notNull(),
      confirmedAt: ts('confirmed_at'),
      requestId: uuid('request_id'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.verificationId] }),
      index('privacy_request_verifications_email_idx').on(t.workspaceId, t.email, t.createdAt),
      index('privacy_request_verifications_ip_idx').on(t.workspaceId, t.ipHash, t.createdAt),
      index('privacy_request_verifications_expires_idx').on(t.workspaceId, t.expiresAt),
    ],
  ),
  {
    description: 'Codes that prove control of an email address on the public request page',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      verificationId: notPersonal(),
      email: personal('user.contact.email', 'the address the code was sent to'),
      ipHash: personal('user.device.ip_address', 'a keyed hash of the address, for throttling'),
      kind: personal('user.privacy_preferences'),
      details: personal('user.privacy_preferences', 'what the person asks, in their words'),
      correction: personal('user.contact', 'the corrected values of a rectification, until confirmed'),
      codeHash: notPersonal('a keyed hash of the code'),
      attempts: notPersonal(),
      createdAt: notPersonal(),
      expiresAt: notPersonal(),
      confirmedAt: notPersonal(),
      requestId: notPersonal(),
    },
  },
);

/** The package of an access or portability request: built part by part by the
 *  `privacy-requests.package` job (resumable), downloaded by a link whose token is kept hashed. */
export const privacyRequestPackages = declareTable(
  pgTable(
    'privacy_request_packages',
    {
      workspaceId: uuid('workspace_id').notNull(),
      packageId: uuid('package_id').notNull(),
      requestId: uuid('request_id').notNull(),
      state: text('state', { enum: PRIVACY_PACKAGE_STATES }).notNull().default('pending'),
      /** The people the package covers (fixed when it is asked for). */
      personIds: uuid('person_ids').array().notNull(),
      /** SHA-256 of the link's token. */
      tokenHash: text('token_hash').notNull(),
      /** The parts built so far: name, size and CRC-32 of each (the zip is made from them). */
      parts: jsonb('parts').notNull().default([]),
      /** How far the build got, so a run cut short resumes there. */
      progress: jsonb('progress').notNull().default({}),
      leaseUntil: ts('lease_until'),
      sizeBytes: bigint('size_bytes', { mode: 'number' }),
      error: text('error'),
      createdAt: ts('created_at').notNull(),
      readyAt: ts('ready_at'),
      expiresAt: ts('expires_at').notNull(),
      downloads: integer('downloads').notNull().default(0),
      purgedAt: ts('purged_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.packageId] }),
      foreignKey({
        columns: [t.workspaceId, t.requestId],
        foreignColumns: [privacyRequests.workspaceId, privacyRequests.requestId],
      }).onDelete('cascade'),
      index('privacy_request_packages_request_idx').on(t.workspaceId, t.requestId),
      index('privacy_request_packages_token_idx').on(t.workspaceId, t.tokenHash),
      index('privacy_request_packages_open_idx')
        .on(t.workspaceId, t.packageId)
        .where(sql`state in ('pending', 'running')`),
      index('privacy_request_packages_expires_idx').on(t.workspaceId, t.expiresAt).where(sql`purged_at is null`),
    ],
  ),
  {
    description: 'Packages of the data held about a person, for access and portability requests (P-DSR-1, P-DSR-4)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      packageId: notPersonal(),
      requestId: notPersonal(),
      state: notPersonal(),
      personIds: personal('user.account.identifier', 'the people the package is about'),
      tokenHash: notPersonal(),
      parts: notPersonal('names, sizes and checksums of the parts; the content is in storage'),
      progress: notPersonal(),
      leaseUntil: notPersonal(),
      sizeBytes: notPersonal(),
      error: notPersonal(),
      createdAt: notPersonal(),
      readyAt: notPersonal(),
      expiresAt: notPersonal(),
      downloads: notPersonal(),
      purgedAt: notPersonal(),
    },
  },
);

/** Per workspace: the data-protection authority the public page names (P-DSR-8). */
export const privacyRequestSettings = declareTable(
  pgTable('privacy_request_settings', {
    workspaceId: uuid('workspace_id')
      .primaryKey()
      .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
    authorityName: text('authority_name'),
    authorityUrl: text('authority_url'),
    contactEmail: text('contact_email'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  }),
  {
    description: 'The complaint authority and privacy contact shown on the public request page',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      authorityName: notPersonal(),
      authorityUrl: notPersonal(),
      contactEmail: notPersonal('the workspace privacy contact (usually a role address)'),
      updatedAt: notPersonal(),
      updatedBy: personal('user.account.identifier', 'the admin who changed it (a user of the service)'),
    },
  },
);
