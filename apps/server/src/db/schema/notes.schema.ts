import { sql } from 'drizzle-orm';
import { foreignKey, index, integer, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { deals } from './deals.schema.ts';
import { companies, people, RECORD_VISIBILITIES } from './people.schema.ts';
import { teams, workspaces } from './workspaces.schema.ts';

// Notes and interactions (calls, meetings, emails), and their links to people, companies and
// deals: what the timeline of a record is made of (issue 3, P-CRM-9). Each link table carries
// the item's time (`occurred_at`, copied from the note or interaction) so that one index
// (workspace_id, record id, occurred_at, item id) gives a record's newest items in order and
// a timeline page stops after LIMIT rows.

export const INTERACTION_KINDS = ['email', 'meeting', 'call'] as const;
export const INTERACTION_DIRECTIONS = ['in', 'out'] as const;
export const CALL_OUTCOMES = ['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number'] as const;

export const notes = declareTable(
  pgTable(
    'notes',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      noteId: uuid('note_id').notNull(),
      /** The author is the owner of the note for visibility. */
      authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
      /** Sanitised on the server (allow-list), never as sent. */
      bodyHtml: text('body_html').notNull(),
      /** The same body as plain text, for search and previews. */
      bodyText: text('body_text').notNull(),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.noteId] }),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      index('notes_author_idx').on(t.workspaceId, t.authorId),
      // The trash and its purge.
      index('notes_deleted_idx').on(t.workspaceId, t.deletedAt, t.noteId).where(sql`deleted_at is not null`),
    ],
  ),
  {
    description: 'Notes written about people, companies and deals (P-CRM-9)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      noteId: notPersonal(),
      authorId: personal('user.account.identifier', 'the member who wrote the note (a user of the service)'),
      bodyHtml: personal('user.content.note', 'the note as sanitised HTML'),
      bodyText: personal('user.content.note', 'the note as plain text'),
      visibility: notPersonal(),
      teamId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the note is in the trash'),
    },
  },
);

export const interactions = declareTable(
  pgTable(
    'interactions',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      interactionId: uuid('interaction_id').notNull(),
      kind: text('kind', { enum: INTERACTION_KINDS }).notNull(),
      /** in | out for calls and emails; null for meetings. */
      direction: text('direction', { enum: INTERACTION_DIRECTIONS }),
      occurredAt: ts('occurred_at').notNull(),
      durationSeconds: integer('duration_seconds'),
      subject: text('subject'),
      summary: text('summary'),
      /** Calls only. */
      outcome: text('outcome', { enum: CALL_OUTCOMES }),
      /** 'manual' or 'sync:<provider>'. */
      source: text('source').notNull().default('manual'),
      /** The provider's id of the message or event, so a sync never adds it twice. */
      externalId: text('external_id'),
      /** Who logged it (or whose mailbox it came from); the owner for visibility. */
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.interactionId] }),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      uniqueIndex('interactions_external_idx').on(t.workspaceId, t.source, t.externalId),
      index('interactions_owner_idx').on(t.workspaceId, t.ownerId),
    ],
  ),
  {
    description: 'Calls, meetings and emails with people, logged by hand or synced (P-CRM-9)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      interactionId: notPersonal(),
      kind: personal('user.relationship', 'whether it was a call, a meeting or an email'),
      direction: personal('user.relationship', 'who reached out to whom'),
      occurredAt: personal('user.relationship', 'when it happened'),
      durationSeconds: personal('user.relationship', 'how long it lasted'),
      subject: personal('user.content.note', 'its subject or title'),
      summary: personal('user.content.note', 'what was said or agreed'),
      outcome: personal('user.relationship', 'how a call ended'),
      source: personal('user.relationship.source'),
      externalId: notPersonal("the provider's id of the message or event"),
      ownerId: personal('user.account.identifier', 'the member who logged it (a user of the service)'),
      visibility: notPersonal(),
      teamId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

// Links. One table per kind of record, so that every link has a real foreign key: a purged
// person, company or deal takes its links with it (cascade), never the note itself.

export const notePeople = declareTable(
  pgTable(
    'note_people',
    {
      workspaceId: uuid('workspace_id').notNull(),
      noteId: uuid('note_id').notNull(),
      personId: uuid('person_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.noteId, t.personId] }),
      foreignKey({ columns: [t.workspaceId, t.noteId], foreignColumns: [notes.workspaceId, notes.noteId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('note_people_timeline_idx').on(t.workspaceId, t.personId, t.occurredAt, t.noteId),
    ],
  ),
  {
    description: 'Which people a note is about',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      noteId: personal('user.content.note', 'a note about the person'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      occurredAt: notPersonal(),
    },
  },
);

export const noteCompanies = declareTable(
  pgTable(
    'note_companies',
    {
      workspaceId: uuid('workspace_id').notNull(),
      noteId: uuid('note_id').notNull(),
      companyId: uuid('company_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.noteId, t.companyId] }),
      foreignKey({ columns: [t.workspaceId, t.noteId], foreignColumns: [notes.workspaceId, notes.noteId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('note_companies_timeline_idx').on(t.workspaceId, t.companyId, t.occurredAt, t.noteId),
    ],
  ),
  {
    description: 'Which companies a note is about',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      noteId: notPersonal(),
      companyId: notPersonal(),
      occurredAt: notPersonal(),
    },
  },
);

export const noteDeals = declareTable(
  pgTable(
    'note_deals',
    {
      workspaceId: uuid('workspace_id').notNull(),
      noteId: uuid('note_id').notNull(),
      dealId: uuid('deal_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.noteId, t.dealId] }),
      foreignKey({ columns: [t.workspaceId, t.noteId], foreignColumns: [notes.workspaceId, notes.noteId] }).onDelete(
        'cascade',
      ),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      index('note_deals_timeline_idx').on(t.workspaceId, t.dealId, t.occurredAt, t.noteId),
    ],
  ),
  {
    description: 'Which deals a note is about',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      noteId: notPersonal(),
      dealId: notPersonal(),
      occurredAt: notPersonal(),
    },
  },
);

export const interactionPeople = declareTable(
  pgTable(
    'interaction_people',
    {
      workspaceId: uuid('workspace_id').notNull(),
      interactionId: uuid('interaction_id').notNull(),
      personId: uuid('person_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.interactionId, t.personId] }),
      foreignKey({
        columns: [t.workspaceId, t.interactionId],
        foreignColumns: [interactions.workspaceId, interactions.interactionId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('interaction_people_timeline_idx').on(t.workspaceId, t.personId, t.occurredAt, t.interactionId),
    ],
  ),
  {
    description: 'The people who took part in a call, meeting or email',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      interactionId: personal('user.relationship', 'a call, meeting or email the person took part in'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      occurredAt: personal('user.relationship', 'when it happened'),
    },
  },
);

export const interactionCompanies = declareTable(
  pgTable(
    'interaction_companies',
    {
      workspaceId: uuid('workspace_id').notNull(),
      interactionId: uuid('interaction_id').notNull(),
      companyId: uuid('company_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.interactionId, t.companyId] }),
      foreignKey({
        columns: [t.workspaceId, t.interactionId],
        foreignColumns: [interactions.workspaceId, interactions.interactionId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('interaction_companies_timeline_idx').on(t.workspaceId, t.companyId, t.occurredAt, t.interactionId),
    ],
  ),
  {
    description: 'Which companies a call, meeting or email concerns',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      interactionId: notPersonal(),
      companyId: notPersonal(),
      occurredAt: notPersonal(),
    },
  },
);

export const interactionDeals = declareTable(
  pgTable(
    'interaction_deals',
    {
      workspaceId: uuid('workspace_id').notNull(),
      interactionId: uuid('interaction_id').notNull(),
      dealId: uuid('deal_id').notNull(),
      occurredAt: ts('occurred_at').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.interactionId, t.dealId] }),
      foreignKey({
        columns: [t.workspaceId, t.interactionId],
        foreignColumns: [interactions.workspaceId, interactions.interactionId],
      }).onDelete('cascade'),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      index('interaction_deals_timeline_idx').on(t.workspaceId, t.dealId, t.occurredAt, t.interactionId),
    ],
  ),
  {
    description: 'Which deals a call, meeting or email concerns',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      interactionId: notPersonal(),
      dealId: notPersonal(),
      occurredAt: notPersonal(),
    },
  },
);
