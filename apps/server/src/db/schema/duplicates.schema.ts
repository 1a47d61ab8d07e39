import { sql } from 'drizzle-orm';
import { check, foreignKey, index, jsonb, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { companies, people } from './people.schema.ts';

/**
 * Pairs of people a member marked "not a duplicate", so the duplicate finder stops offering
 * them. One row per pair, the smaller id first (a check keeps it so), so a pair is one key.
 * Both ids reference the person: deleting either (merge, purge, erasure) drops the mark.
 */
export const personNonDuplicates = declareTable(
  pgTable(
    'person_non_duplicates',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personA: uuid('person_a').notNull(),
      personB: uuid('person_b').notNull(),
      markedBy: uuid('marked_by').references(() => users.id, { onDelete: 'set null' }),
      markedAt: ts('marked_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personA, t.personB] }),
      foreignKey({
        columns: [t.workspaceId, t.personA],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.personB],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('person_non_duplicates_b_idx').on(t.workspaceId, t.personB, t.personA),
      check('person_non_duplicates_order', sql`${t.personA} < ${t.personB}`),
    ],
  ),
  {
    description: 'Pairs of people marked "not a duplicate" (the duplicate finder skips them)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personA' },
    columns: {
      workspaceId: notPersonal(),
      personA: personal('user.account.identifier', 'the id of one person of the pair'),
      personB: personal('user.account.identifier', 'the id of the other person of the pair'),
      markedBy: personal('user.account.identifier', 'the member who marked the pair (a user of the service)'),
      markedAt: notPersonal(),
    },
  },
);

/**
 * The merge log: who merged which person into which, when, and what the merged record held
 * (so a data-protection officer can trace where a person's data went). The merged person is
 * deleted for good by the merge, so `merged_id` has no foreign key; the survivor's does, and
 * erasing the survivor erases the log of what was merged into them.
 */
export const personMerges = declareTable(
  pgTable(
    'person_merges',
    {
      workspaceId: uuid('workspace_id').notNull(),
      mergeId: uuid('merge_id').notNull(),
      survivorId: uuid('survivor_id').notNull(),
      mergedId: uuid('merged_id').notNull(),
      mergedBy: uuid('merged_by').references(() => users.id, { onDelete: 'set null' }),
      mergedAt: ts('merged_at').notNull(),
      /** The merged record as it was (names, emails, phones, address, title, tags, ...). */
      previous: jsonb('previous').notNull(),
      /** Which value was kept for each field, and how many rows each table had re-pointed. */
      choices: jsonb('choices').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.mergeId] }),
      foreignKey({
        columns: [t.workspaceId, t.survivorId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('person_merges_survivor_idx').on(t.workspaceId, t.survivorId, t.mergedAt),
      index('person_merges_merged_idx').on(t.workspaceId, t.mergedId),
    ],
  ),
  {
    description: 'Merges of duplicate people: who, when, into whom, and the merged record as it was',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'survivorId' },
    columns: {
      workspaceId: notPersonal(),
      mergeId: notPersonal(),
      survivorId: personal('user.account.identifier', 'the person that was kept'),
      mergedId: personal('user.account.identifier', 'the id the merged person had'),
      mergedBy: personal('user.account.identifier', 'the member who merged (a user of the service)'),
      mergedAt: notPersonal(),
      previous: personal('user', "the merged record's values: name, contact details, address, title, tags"),
      choices: notPersonal('field names and counts only'),
    },
  },
);

/** Pairs of companies marked "not a duplicate", as for people (smaller id first). */
export const companyNonDuplicates = declareTable(
  pgTable(
    'company_non_duplicates',
    {
      workspaceId: uuid('workspace_id').notNull(),
      companyA: uuid('company_a').notNull(),
      companyB: uuid('company_b').notNull(),
      markedBy: uuid('marked_by').references(() => users.id, { onDelete: 'set null' }),
      markedAt: ts('marked_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.companyA, t.companyB] }),
      foreignKey({
        columns: [t.workspaceId, t.companyA],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.companyB],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('company_non_duplicates_b_idx').on(t.workspaceId, t.companyB, t.companyA),
      check('company_non_duplicates_order', sql`${t.companyA} < ${t.companyB}`),
    ],
  ),
  {
    description: 'Pairs of companies marked "not a duplicate" (the duplicate finder skips them)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      companyA: notPersonal('the id of one company of the pair'),
      companyB: notPersonal('the id of the other company of the pair'),
      markedBy: personal('user.account.identifier', 'the member who marked the pair (a user of the service)'),
      markedAt: notPersonal(),
    },
  },
);

/** The merge log of companies: who merged which company into which, when, and what the
 *  merged company held. As for people, `merged_id` has no foreign key (it is gone). */
export const companyMerges = declareTable(
  pgTable(
    'company_merges',
    {
      workspaceId: uuid('workspace_id').notNull(),
      mergeId: uuid('merge_id').notNull(),
      survivorId: uuid('survivor_id').notNull(),
      mergedId: uuid('merged_id').notNull(),
      mergedBy: uuid('merged_by').references(() => users.id, { onDelete: 'set null' }),
      mergedAt: ts('merged_at').notNull(),
      previous: jsonb('previous').notNull(),
      choices: jsonb('choices').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.mergeId] }),
      foreignKey({
        columns: [t.workspaceId, t.survivorId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('company_merges_survivor_idx').on(t.workspaceId, t.survivorId, t.mergedAt),
      index('company_merges_merged_idx').on(t.workspaceId, t.mergedId),
    ],
  ),
  {
    description: 'Merges of duplicate companies: who, when, into which, and the merged company as it was',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      mergeId: notPersonal(),
      survivorId: notPersonal('the company that was kept'),
      mergedId: notPersonal('the id the merged company had'),
      mergedBy: personal('user.account.identifier', 'the member who merged (a user of the service)'),
      mergedAt: notPersonal(),
      previous: notPersonal(
        "the merged company's values: name, domain, organisation number, address, industry, size, tags (a company is not a person)",
      ),
      choices: notPersonal('field names and counts only'),
    },
  },
);
