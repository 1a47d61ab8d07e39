import {
  type TCustomField,
  type TCustomFieldObject,
  type TCustomFieldValues,
  TEXT_VALUE_MAX,
  type ZCreateCustomFieldBody,
  type ZUpdateCustomFieldBody,
} from '@tillit/contracts';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { companyFieldValues, customFields, dealFieldValues, personFieldValues } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { conflict, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import { DATA_CATEGORIES } from '../../privacy/data-map/categories.ts';
import { registerWorkspaceDeclarations } from '../../privacy/data-map/data-map.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

export type CreateFieldInput = z.output<typeof ZCreateCustomFieldBody>;
export type UpdateFieldInput = z.output<typeof ZUpdateCustomFieldBody>;
export type FieldRow = typeof customFields.$inferSelect;
export type ValueTable = typeof personFieldValues;

/** The table that holds the values of each object's fields. */
export const VALUE_TABLES: Record<TCustomFieldObject, ValueTable> = {
  person: personFieldValues,
  company: companyFieldValues as unknown as ValueTable,
  deal: dealFieldValues as unknown as ValueTable,
};
const VALUE_TABLE_NAMES: Record<TCustomFieldObject, string> = {
  person: 'person_field_values',
  company: 'company_field_values',
  deal: 'deal_field_values',
};

function inTenant<T>(services: Services, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(services.database.db, { workspaceId: actor.workspaceId, userId: actor.userId }, fn);
}

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

function assertAdmin(actor: Actor) {
  if (actor.role !== 'admin' && actor.role !== 'owner') throw forbidden('Only admins and owners manage custom fields.');
}

export function presentField(r: FieldRow): TCustomField {
  return {
    id: r.fieldId,
    object: r.object,
    key: r.key,
    label: r.label,
    type: r.type,
    options: r.options,
    position: r.position,
    personal: r.personal,
    category: r.category,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The fields of one object (or all), in their order. */
export async function loadFields(tx: Tx, workspaceId: string, object?: TCustomFieldObject): Promise<FieldRow[]> {
  return tx
    .select()
    .from(customFields)
    .where(and(eq(customFields.workspaceId, workspaceId), object ? eq(customFields.object, object) : undefined))
    .orderBy(asc(customFields.object), asc(customFields.position), asc(customFields.key));
}

// The data map lists each workspace's fields with their declaration.
registerWorkspaceDeclarations('custom_fields', async (tx, workspaceId) =>
  (await loadFields(tx, workspaceId)).map((f) => ({
    table: VALUE_TABLE_NAMES[f.object],
    object: f.object,
    key: f.key,
    label: f.label,
    type: f.type,
    personal: f.personal,
    category: f.category,
  })),
);

export async function listFields(
  services: Services,
  actor: Actor,
  object?: TCustomFieldObject,
): Promise<{ items: TCustomField[] }> {
  return inTenant(services, actor, async (tx) => ({
    items: (await loadFields(tx, actor.workspaceId, object)).map(presentField),
  }));
}

function assertCategory(category: string | null | undefined) {
  if (category && !(category in DATA_CATEGORIES))
    throw validationFailed({ category: 'is not a data category of the data map (see GET /api/privacy/data-map)' });
}

async function findField(tx: Tx, actor: Actor, fieldId: string, lock = false): Promise<FieldRow> {
  const q = tx
    .select()
    .from(customFields)
    .where(and(eq(customFields.workspaceId, actor.workspaceId), eq(customFields.fieldId, fieldId)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('The custom field');
  return row;
}

export async function createField(services: Services, actor: Actor, input: CreateFieldInput): Promise<TCustomField> {
  assertAdmin(actor);
  assertCategory(input.category);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const [taken] = await tx
      .select({ id: customFields.fieldId })
      .from(customFields)
      .where(
        and(eq(customFields.workspaceId, ws), eq(customFields.object, input.object), eq(customFields.key, input.key)),
      );
    if (taken) throw conflict('A field with this key exists already.', { key: 'is already used by another field' });
    let position = input.position;
    if (position === undefined) {
      const [last] = await tx
        .select({ max: sql<number | null>`max(${customFields.position})` })
        .from(customFields)
        .where(and(eq(customFields.workspaceId, ws), eq(customFields.object, input.object)));
      position = (last?.max ?? -1) + 1;
    }
    const fieldId = newId(now.getTime());
    const [row] = await tx
      .insert(customFields)
      .values({
        workspaceId: ws,
        fieldId,
        object: input.object,
        key: input.key,
        label: input.label,
        type: input.type,
        options: input.options,
        position,
        personal: input.personal,
        category: input.personal ? (input.category ?? null) : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'custom_field.created',
        target: { type: 'custom_field', id: fieldId },
        details: {
          object: input.object,
          key: input.key,
          type: input.type,
          personal: input.personal,
          category: input.category ?? null,
        },
      },
      now,
    );
    return presentField(row as FieldRow);
  });
}

export async function updateField(
  services: Services,
  actor: Actor,
  fieldId: string,
  input: UpdateFieldInput,
): Promise<TCustomField> {
  assertAdmin(actor);
  assertCategory(input.category);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findField(tx, actor, fieldId, true);
    const select = row.type === 'select' || row.type === 'multi_select';
    if (input.options !== undefined) {
      if (!select && input.options.length > 0)
        throw validationFailed({ options: 'only select and multi_select fields have options' });
      if (select && input.options.length === 0) throw validationFailed({ options: 'must list at least one option' });
    }
    const personal = input.personal ?? row.personal;
    const category = input.category !== undefined ? input.category : row.category;
    if (personal && !category) throw validationFailed({ category: 'is required when the field is personal' });
    const changes: Partial<typeof customFields.$inferInsert> = {
      updatedAt: now,
      personal,
      category: personal ? category : null,
    };
    if (input.label !== undefined) changes.label = input.label;
    if (input.position !== undefined) changes.position = input.position;
    let removedOptions: string[] = [];
    if (input.options !== undefined && select) {
      changes.options = input.options;
      const keep = new Set(input.options);
      removedOptions = row.options.filter((o) => !keep.has(o));
    }
    const [updated] = await tx
      .update(customFields)
      .set(changes)
      .where(and(eq(customFields.workspaceId, ws), eq(customFields.fieldId, fieldId)))
      .returning();
    if (removedOptions.length) {
      // An option that is no longer offered leaves every record that had it.
      const v = VALUE_TABLES[row.object];
      await tx
        .delete(v)
        .where(and(eq(v.workspaceId, ws), eq(v.fieldId, fieldId), inArray(v.valueText, removedOptions)));
    }
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'custom_field.updated',
        target: { type: 'custom_field', id: fieldId },
        details: {
          fields: Object.keys(input).sort(),
          personal,
          category: personal ? category : null,
          removedOptions: removedOptions.length,
        },
      },
      now,
    );
    return presentField(updated as FieldRow);
  });
}

/** Deletes the field and, through the foreign key, every value of it: they leave the
 *  records, the exports and the data map at once. */
export async function deleteField(services: Services, actor: Actor, fieldId: string): Promise<void> {
  assertAdmin(actor);
  const now = services.clock.now();
  await inTenant(services, actor, async (tx) => {
    const row = await findField(tx, actor, fieldId, true);
    const v = VALUE_TABLES[row.object];
    const removed = await tx
      .delete(v)
      .where(and(eq(v.workspaceId, actor.workspaceId), eq(v.fieldId, fieldId)))
      .returning({ id: v.recordId });
    await tx
      .delete(customFields)
      .where(and(eq(customFields.workspaceId, actor.workspaceId), eq(customFields.fieldId, fieldId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'custom_field.deleted',
        target: { type: 'custom_field', id: fieldId },
        details: { object: row.object, key: row.key, values: removed.length },
      },
      now,
    );
  });
}

// Values

/** One stored row of a value (a multi_select gives one per option). */
type ValueRow = {
  ordinal: number;
  valueText: string | null;
  valueNumber: number | null;
  valueDate: string | null;
  valueBool: boolean | null;
};
/** Checked values of one record: the field, and its rows ([] clears it). */
export type CheckedValues = { field: FieldRow; rows: ValueRow[] }[];

const blank = { valueText: null, valueNumber: null, valueDate: null, valueBool: null };

function isValidDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function isValidUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

/** The rows of one value, or a problem (the message for `customFields.<key>`). */
export function checkValue(field: FieldRow, value: unknown): { rows: ValueRow[] } | { problem: string } {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    return { rows: [] };
  const one = (v: Partial<ValueRow>) => ({ rows: [{ ordinal: 0, ...blank, ...v }] });
  switch (field.type) {
    case 'text': {
      if (typeof value !== 'string') return { problem: 'must be text' };
      const t = value.trim();
      if (t.length > TEXT_VALUE_MAX) return { problem: `must be at most ${TEXT_VALUE_MAX} characters` };
      return t ? one({ valueText: t }) : { rows: [] };
    }
    case 'url': {
      if (typeof value !== 'string') return { problem: 'must be a URL' };
      const t = value.trim();
      if (t.length > TEXT_VALUE_MAX) return { problem: `must be at most ${TEXT_VALUE_MAX} characters` };
      if (!isValidUrl(t)) return { problem: 'must be a URL starting with http:// or https://' };
      return one({ valueText: t });
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return { problem: 'must be a number' };
      return one({ valueNumber: value });
    }
    case 'date': {
      if (typeof value !== 'string' || !isValidDate(value)) return { problem: 'must be a date YYYY-MM-DD' };
      return one({ valueDate: value });
    }
    case 'boolean': {
      if (typeof value !== 'boolean') return { problem: 'must be true or false' };
      return one({ valueBool: value });
    }
    case 'select': {
      if (typeof value !== 'string' || !field.options.includes(value))
        return { problem: `must be one of ${field.options.join(', ')}` };
      return one({ valueText: value });
    }
    case 'multi_select': {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        return { problem: 'must be a list of options' };
      const bad = value.find((v) => !field.options.includes(v));
      if (bad !== undefined) return { problem: `"${bad}" is not an option (${field.options.join(', ')})` };
      // In the order of the field's options, each once.
      const chosen = field.options.filter((o) => value.includes(o));
      return { rows: chosen.map((o, i) => ({ ordinal: i, ...blank, valueText: o })) };
    }
  }
}

/** Checks `customFields` of a create or update against the workspace's fields of `object`:
 *  422 naming `customFields.<key>` for an unknown key or a bad value. */
export async function checkValues(
  tx: Tx,
  workspaceId: string,
  object: TCustomFieldObject,
  input: Record<string, unknown> | undefined,
): Promise<CheckedValues> {
  if (!input || Object.keys(input).length === 0) return [];
  const fields = new Map((await loadFields(tx, workspaceId, object)).map((f) => [f.key, f]));
  const problems: Record<string, string> = {};
  const out: CheckedValues = [];
  for (const [key, value] of Object.entries(input)) {
    const field = fields.get(key);
    if (!field) {
      problems[`customFields.${key}`] = `is not a custom field of ${object === 'person' ? 'people' : `${object}s`}`;
      continue;
    }
    const r = checkValue(field, value);
    if ('problem' in r) problems[`customFields.${key}`] = r.problem;
    else out.push({ field, rows: r.rows });
  }
  if (Object.keys(problems).length) throw validationFailed(problems);
  return out;
}

/** Replaces the values of the checked fields of one record: one delete, one insert. */
export async function writeValues(
  tx: Tx,
  workspaceId: string,
  object: TCustomFieldObject,
  recordId: string,
  checked: CheckedValues,
): Promise<void> {
  if (checked.length === 0) return;
  const v = VALUE_TABLES[object];
  await tx.delete(v).where(
    and(
      eq(v.workspaceId, workspaceId),
      eq(v.recordId, recordId),
      inArray(
        v.fieldId,
        checked.map((c) => c.field.fieldId),
      ),
    ),
  );
  const rows = checked.flatMap((c) => c.rows.map((r) => ({ workspaceId, fieldId: c.field.fieldId, recordId, ...r })));
  if (rows.length) await tx.insert(v).values(rows);
}

/** The values of a page of records, by record id then key: one query. */
export async function loadValues(
  tx: Tx,
  workspaceId: string,
  object: TCustomFieldObject,
  recordIds: string[],
): Promise<Map<string, TCustomFieldValues>> {
  if (recordIds.length === 0) return new Map();
  const v = VALUE_TABLES[object];
  const rows = await tx
    .select({
      recordId: v.recordId,
      key: customFields.key,
      type: customFields.type,
      ordinal: v.ordinal,
      valueText: v.valueText,
      valueNumber: v.valueNumber,
      valueDate: v.valueDate,
      valueBool: v.valueBool,
    })
    .from(v)
    .innerJoin(customFields, and(eq(customFields.workspaceId, v.workspaceId), eq(customFields.fieldId, v.fieldId)))
    .where(and(eq(v.workspaceId, workspaceId), inArray(v.recordId, recordIds)))
    .orderBy(asc(v.recordId), asc(v.fieldId), asc(v.ordinal));
  return foldValueRows(rows);
}

/** One stored value of a custom field, as `loadValues` reads it (and the people read's single
 *  statement aggregates it): rows of one record in (field, ordinal) order. */
export type StoredValueRow = {
  recordId: string;
  key: string;
  type: string;
  ordinal: number;
  valueText: string | null;
  valueNumber: number | null;
  valueDate: string | null;
  valueBool: boolean | null;
};

/** Stored value rows, records' rows in (field, ordinal) order, to each record's values. */
export function foldValueRows(rows: readonly StoredValueRow[]): Map<string, TCustomFieldValues> {
  const out = new Map<string, TCustomFieldValues>();
  for (const r of rows) {
    let values = out.get(r.recordId);
    if (!values) {
      values = {};
      out.set(r.recordId, values);
    }
    switch (r.type) {
      case 'multi_select': {
        const list = values[r.key];
        if (Array.isArray(list)) list.push(r.valueText ?? '');
        else values[r.key] = [r.valueText ?? ''];
        break;
      }
      case 'number':
        if (r.valueNumber !== null) values[r.key] = r.valueNumber;
        break;
      case 'date':
        if (r.valueDate !== null) values[r.key] = r.valueDate;
        break;
      case 'boolean':
        if (r.valueBool !== null) values[r.key] = r.valueBool;
        break;
      default:
        if (r.valueText !== null) values[r.key] = r.valueText;
    }
  }
  return out;
}
