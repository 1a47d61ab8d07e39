import { sql } from 'drizzle-orm';
import { boolean, foreignKey, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ctext, tsMs as ts } from './columns.ts';
import { files } from './files.schema.ts';
import { teams, workspaces } from './workspaces.schema.ts';

/** Text compared byte by byte: the same order on PGlite and on any PostgreSQL locale, and a
 *  plain btree index serves both `ORDER BY` and `LIKE 'prefix%'`. */

export const RECORD_VISIBILITIES = ['private', 'team', 'workspace'] as const;

export const people = declareTable(
  pgTable(
    'people',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      personId: uuid('person_id').notNull(),
      firstName: text('first_name').notNull(),
      lastName: text('last_name').notNull().default(''),
      /** The key of sort 'name' and of the name prefix search. */
      sortName: ctext('sort_name').generatedAlwaysAs(sql`lower(btrim(first_name || ' ' || last_name))`),
      lastNameKey: ctext('last_name_key').generatedAlwaysAs(sql`lower(last_name)`),
      title: text('title'),
      street: text('street'),
      state: text('state'),
      postalCode: text('postal_code'),
      city: text('city'),
      country: text('country'),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      source: text('source').notNull().default('manual'),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      /** The person's photo (P-CRM-1): a file of purpose 'photo' attached to them. */
      photoFileId: uuid('photo_file_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personId] }),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      // SET NULL (photo_file_id) in the migration: a purged photo clears only the photo.
      foreignKey({
        columns: [t.workspaceId, t.photoFileId],
        foreignColumns: [files.workspaceId, files.fileId],
      }).onDelete('set null'),
      // The foreign key's SET NULL looks people up by their photo when a file is purged.
      index('people_photo_idx').on(t.workspaceId, t.photoFileId).where(sql`photo_file_id is not null`),
      // Keyset sorts: one per sort, over the live records only.
      index('people_sort_name_idx').on(t.workspaceId, t.sortName, t.personId).where(sql`deleted_at is null`),
      index('people_created_idx').on(t.workspaceId, t.createdAt, t.personId).where(sql`deleted_at is null`),
      index('people_updated_idx').on(t.workspaceId, t.updatedAt, t.personId).where(sql`deleted_at is null`),
      // Table-view sorts on text fields: lower-case, byte order, no value as '' (first in asc).
      ...(['last_name', 'title', 'city', 'country'] as const).map((c) =>
        index(`people_sort_${c}_idx`)
          .on(t.workspaceId, sql.raw(`(lower(coalesce(${c}, '')) collate "C")`), t.personId)
          .where(sql`deleted_at is null`),
      ),
      index('people_last_name_idx').on(t.workspaceId, t.lastNameKey).where(sql`deleted_at is null`),
      index('people_owner_idx').on(t.workspaceId, t.ownerId),
      // Sort 'owner': each owner's live people by id (ownerSortedPage), and the loose scan of owners.
      index('people_owner_sort_idx').on(t.workspaceId, t.ownerId, t.personId).where(sql`deleted_at is null`),
      // The trash and its purge.
      index('people_deleted_idx').on(t.workspaceId, t.deletedAt, t.personId).where(sql`deleted_at is not null`),
    ],
  ),
  {
    description: 'People: the contacts a workspace keeps (P-CRM-1)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      firstName: personal('user.name'),
      lastName: personal('user.name'),
      sortName: personal('user.name', 'derived from the name for sorting'),
      lastNameKey: personal('user.name', 'derived from the name for search'),
      title: personal('user.job_title'),
      street: personal('user.contact.address.street'),
      state: personal('user.contact.address.state'),
      postalCode: personal('user.contact.address.postal_code'),
      city: personal('user.contact.address.city'),
      country: personal('user.contact.address.country'),
      ownerId: personal('user.account.identifier', 'the member who owns the record (a user of the service)'),
      source: personal('user.relationship.source'),
      visibility: notPersonal(),
      teamId: notPersonal(),
      photoFileId: personal('user.photo', "the file of the person's photo"),
      createdAt: personal('user.relationship', 'when the person was added'),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the record is in the trash'),
    },
  },
);

/**
 * Tags of people, one row each: a tag filter is `tag = $1` on (workspace_id, tag), which
 * row-level security lets PostgreSQL use as an index condition (the array operators of a
 * text[] column are not leakproof, so a GIN index on it would never be used under RLS).
 */
export const personTags = declareTable(
  pgTable(
    'person_tags',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personId: uuid('person_id').notNull(),
      tag: text('tag').notNull(),
      position: integer('position').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personId, t.tag] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('person_tags_tag_idx').on(t.workspaceId, t.tag, t.personId),
    ],
  ),
  {
    description: 'Tags given to people',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      tag: personal('user.relationship.tag'),
      position: notPersonal(),
    },
  },
);

export const SUBJECT_CATEGORIES = [
  'employee',
  'client',
  'prospect',
  'supplier',
  'collaborator',
  'job_applicant',
  'newsletter_subscriber',
  'correspondent',
  'site_visitor',
] as const;

/** Categories of data subject of each person (P-LB-2), one row each, for the same reason
 *  as person_tags: `category = $1` on an index that leads with workspace_id. */
export const personCategories = declareTable(
  pgTable(
    'person_categories',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personId: uuid('person_id').notNull(),
      category: text('category', { enum: SUBJECT_CATEGORIES }).notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personId, t.category] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('person_categories_category_idx').on(t.workspaceId, t.category, t.personId),
    ],
  ),
  {
    description: 'Categories of data subject of each person (P-LB-2)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      category: personal('user.relationship.subject_category'),
    },
  },
);

export const EMAIL_TYPES = ['work', 'home', 'other'] as const;
export const PHONE_TYPES = ['work', 'mobile', 'home', 'other'] as const;

export const personEmails = declareTable(
  pgTable(
    'person_emails',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personId: uuid('person_id').notNull(),
      /** Trimmed and lower-cased. */
      email: ctext('email').notNull(),
      type: text('type', { enum: EMAIL_TYPES }).notNull(),
      isPrimary: boolean('is_primary').notNull().default(false),
      position: integer('position').notNull(),
    },
    (t) => [
      // The same email twice on one person is refused; on two people it is allowed.
      primaryKey({ columns: [t.workspaceId, t.personId, t.email] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      // Look-ups by email (duplicates, tombstones, import) and the email prefix search.
      index('person_emails_email_idx').on(t.workspaceId, t.email),
    ],
  ),
  {
    description: "People's email addresses",
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      email: personal('user.contact.email'),
      type: personal('user.contact.email', 'work, home or other'),
      isPrimary: notPersonal(),
      position: notPersonal(),
    },
  },
);

export const personPhones = declareTable(
  pgTable(
    'person_phones',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personId: uuid('person_id').notNull(),
      /** E.164. */
      phone: text('phone').notNull(),
      type: text('type', { enum: PHONE_TYPES }).notNull(),
      isPrimary: boolean('is_primary').notNull().default(false),
      position: integer('position').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personId, t.phone] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('person_phones_phone_idx').on(t.workspaceId, t.phone),
    ],
  ),
  {
    description: "People's phone numbers (E.164)",
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      phone: personal('user.contact.phone_number'),
      type: personal('user.contact.phone_number', 'work, mobile, home or other'),
      isPrimary: notPersonal(),
      position: notPersonal(),
    },
  },
);

export const COMPANY_SIZES = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001+'] as const;

export const companies = declareTable(
  pgTable(
    'companies',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      companyId: uuid('company_id').notNull(),
      name: text('name').notNull(),
      nameKey: ctext('name_key').generatedAlwaysAs(sql`lower(name)`),
      domain: ctext('domain'),
      orgNumber: text('org_number'),
      street: text('street'),
      state: text('state'),
      postalCode: text('postal_code'),
      city: text('city'),
      country: text('country'),
      industry: text('industry'),
      size: text('size', { enum: COMPANY_SIZES }),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.companyId] }),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      index('companies_name_idx').on(t.workspaceId, t.nameKey, t.companyId).where(sql`deleted_at is null`),
      index('companies_created_idx').on(t.workspaceId, t.createdAt, t.companyId).where(sql`deleted_at is null`),
      ...(['domain', 'industry', 'city', 'country', 'org_number'] as const).map((c) =>
        index(`companies_sort_${c}_idx`)
          .on(t.workspaceId, sql.raw(`(lower(coalesce(${c}, '')) collate "C")`), t.companyId)
          .where(sql`deleted_at is null`),
      ),
      index('companies_updated_idx').on(t.workspaceId, t.updatedAt, t.companyId).where(sql`deleted_at is null`),
      index('companies_domain_idx').on(t.workspaceId, t.domain).where(sql`deleted_at is null`),
      // Duplicate companies by organisation number.
      index('companies_org_number_idx')
        .on(t.workspaceId, t.orgNumber)
        .where(sql`deleted_at is null and org_number is not null`),
      index('companies_owner_idx').on(t.workspaceId, t.ownerId),
      // Sort 'owner' (ownerSortedPage) and sort 'size' (companySizeKey in table-query.ts, the same expression).
      index('companies_owner_sort_idx').on(t.workspaceId, t.ownerId, t.companyId).where(sql`deleted_at is null`),
      index('companies_sort_size_idx')
        .on(
          t.workspaceId,
          sql.raw(
            `(case size when '1-10' then 1 when '11-50' then 2 when '51-200' then 3 when '201-500' then 4 when '501-1000' then 5 when '1001-5000' then 6 when '5001+' then 7 else 0 end)`,
          ),
          t.companyId,
        )
        .where(sql`deleted_at is null`),
      index('companies_deleted_idx').on(t.workspaceId, t.deletedAt, t.companyId).where(sql`deleted_at is not null`),
    ],
  ),
  {
    description: 'Companies (organisations) a workspace keeps (P-CRM-2)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      companyId: notPersonal(),
      name: notPersonal(
        'the name of an organisation (a sole trader is linked to a person only through person_companies)',
      ),
      nameKey: notPersonal(),
      domain: notPersonal(),
      orgNumber: notPersonal('an organisation number'),
      street: notPersonal('the address of an organisation'),
      state: notPersonal(),
      postalCode: notPersonal(),
      city: notPersonal(),
      country: notPersonal(),
      industry: notPersonal(),
      size: notPersonal(),
      ownerId: personal('user.account.identifier', 'the member who owns the record (a user of the service)'),
      tags: notPersonal(),
      visibility: notPersonal(),
      teamId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the record is in the trash'),
    },
  },
);

export const personCompanies = declareTable(
  pgTable(
    'person_companies',
    {
      workspaceId: uuid('workspace_id').notNull(),
      personId: uuid('person_id').notNull(),
      companyId: uuid('company_id').notNull(),
      role: text('role'),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.personId, t.companyId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      // "The people of a company" (filter companyId).
      index('person_companies_company_idx').on(t.workspaceId, t.companyId, t.personId),
    ],
  ),
  {
    description: 'Which people work for which companies, with their role (P-CRM-2)',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      companyId: personal('user.employment', 'the organisation the person works for'),
      role: personal('user.employment', 'their role there'),
      createdAt: notPersonal(),
    },
  },
);
