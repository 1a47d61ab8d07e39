import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  type PgColumn,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ctext, tsMs as ts } from './columns.ts';
import { deals } from './deals.schema.ts';
import { companies, people } from './people.schema.ts';
import { workspaces } from './workspaces.schema.ts';

// Custom fields (issue 3): definitions per workspace and object, and their values in one
// typed table per object. A value is a row, not a key in a jsonb blob, so a filter or a sort
// on any field is a btree range on (workspace_id, field_id, value) that row-level security
// lets PostgreSQL use (jsonb operators are not leakproof), with no DDL per field. A record's
// values go with it (foreign key, cascade) when it is purged, a field's values when the field
// is deleted.

export const CUSTOM_FIELD_OBJECTS = ['person', 'company', 'deal'] as const;
export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url'] as const;

export const customFields = declareTable(
  pgTable(
    'custom_fields',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      fieldId: uuid('field_id').notNull(),
      object: text('object', { enum: CUSTOM_FIELD_OBJECTS }).notNull(),
      key: text('key').notNull(),
      label: text('label').notNull(),
      type: text('type', { enum: CUSTOM_FIELD_TYPES }).notNull(),
      options: jsonb('options').$type<string[]>().notNull().default([]),
      position: integer('position').notNull().default(0),
      personal: boolean('personal').notNull(),
      category: text('category'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.fieldId] }),
      uniqueIndex('custom_fields_key_idx').on(t.workspaceId, t.object, t.key),
    ],
  ),
  {
    description:
      'Custom fields of people, companies and deals; each declares whether its values are personal data, and their category (the data map lists them per workspace)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      fieldId: notPersonal(),
      object: notPersonal(),
      key: notPersonal('the name of a field, not a value'),
      label: notPersonal('the name of a field, not a value'),
      type: notPersonal(),
      options: notPersonal('the choices of a select field'),
      position: notPersonal(),
      personal: notPersonal('the declaration of the values, not a value'),
      category: notPersonal('the data category of the values'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

/** One value table per object, all of the same shape; `recordId` is the person, company or deal. */
function valueTable(name: string, recordColumn: string, parent: () => [PgColumn, PgColumn]) {
  return pgTable(
    name,
    {
      workspaceId: uuid('workspace_id').notNull(),
      fieldId: uuid('field_id').notNull(),
      recordId: uuid(recordColumn).notNull(),
      /** 0 for single values; a multi_select has one row per chosen option (0, 1, ...). */
      ordinal: integer('ordinal').notNull().default(0),
      valueText: ctext('value_text'),
      valueNumber: doublePrecision('value_number'),
      valueDate: date('value_date', { mode: 'string' }),
      valueBool: boolean('value_bool'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.fieldId, t.recordId, t.ordinal] }),
      foreignKey({
        columns: [t.workspaceId, t.fieldId],
        foreignColumns: [customFields.workspaceId, customFields.fieldId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.recordId],
        foreignColumns: parent(),
      }).onDelete('cascade'),
      // A page's values, and the cascades from the record.
      index(`${name}_record_idx`).on(t.workspaceId, t.recordId),
      // Filters and sorts: a range over one field's values, then the record id (keyset).
      index(`${name}_text_idx`)
        .on(t.workspaceId, t.fieldId, t.valueText, t.recordId)
        .where(sql`value_text is not null`),
      index(`${name}_number_idx`)
        .on(t.workspaceId, t.fieldId, t.valueNumber, t.recordId)
        .where(sql`value_number is not null`),
      index(`${name}_date_idx`)
        .on(t.workspaceId, t.fieldId, t.valueDate, t.recordId)
        .where(sql`value_date is not null`),
      index(`${name}_bool_idx`)
        .on(t.workspaceId, t.fieldId, t.valueBool, t.recordId)
        .where(sql`value_bool is not null`),
    ],
  );
}

const VALUE_NOTE =
  'a custom field value; each field declares when created whether its values are personal and their category (custom_fields, listed per workspace in the data map)';
const valueColumns = {
  workspaceId: notPersonal(),
  fieldId: notPersonal(),
  ordinal: notPersonal(),
  valueText: personal('user.custom_field', VALUE_NOTE),
  valueNumber: personal('user.custom_field', VALUE_NOTE),
  valueDate: personal('user.custom_field', VALUE_NOTE),
  valueBool: personal('user.custom_field', VALUE_NOTE),
};

export const personFieldValues = declareTable(
  valueTable('person_field_values', 'person_id', () => [people.workspaceId, people.personId]),
  {
    description: 'Values of the custom fields of people',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'recordId' },
    columns: { ...valueColumns, recordId: personal('user.account.identifier', 'the person the value is about') },
  },
);

export const companyFieldValues = declareTable(
  valueTable('company_field_values', 'company_id', () => [companies.workspaceId, companies.companyId]),
  {
    description: 'Values of the custom fields of companies',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { ...valueColumns, recordId: notPersonal('the company') },
  },
);

export const dealFieldValues = declareTable(
  valueTable('deal_field_values', 'deal_id', () => [deals.workspaceId, deals.dealId]),
  {
    description: 'Values of the custom fields of deals',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { ...valueColumns, recordId: notPersonal('the deal') },
  },
);

export const SAVED_VIEW_OBJECTS = CUSTOM_FIELD_OBJECTS;

/** Saved table views: a name, the columns, filters and sort of a list; private to their
 *  owner or shared with the workspace. */
export const savedViews = declareTable(
  pgTable(
    'saved_views',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      viewId: uuid('view_id').notNull(),
      object: text('object', { enum: SAVED_VIEW_OBJECTS }).notNull(),
      name: text('name').notNull(),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
      shared: boolean('shared').notNull().default(false),
      columns: jsonb('columns').$type<string[]>().notNull().default([]),
      filters: jsonb('filters').$type<{ field: string; op: string; value: string }[]>().notNull().default([]),
      sort: jsonb('sort').$type<{ field: string; dir: 'asc' | 'desc' } | null>(),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.viewId] }),
      index('saved_views_object_idx').on(t.workspaceId, t.object, t.shared, t.ownerId),
    ],
  ),
  {
    description: 'Saved views of the people, company and deal lists',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      viewId: notPersonal(),
      object: notPersonal(),
      name: notPersonal('the name of a view'),
      ownerId: personal('user.account.identifier', 'the member who owns the view (a user of the service)'),
      shared: notPersonal(),
      columns: notPersonal(),
      filters: personal('user.content.note', 'filter values a member typed, which may name a person'),
      sort: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);
