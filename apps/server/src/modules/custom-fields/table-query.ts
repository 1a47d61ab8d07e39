import type { TCustomFieldObject, TFilterOp, TViewFilter } from '@tillit/contracts';
import { isCustomSort } from '@tillit/contracts';
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { PgColumn as Column, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { companies, deals, people, personCategories, personEmails, personTags, users } from '../../db/schema/index.ts';
import { validationFailed } from '../../lib/errors.ts';
import { decodeCursor } from '../people/people.cursor.ts';
import { rowsOf } from '../search/search.index.ts';
import { type FieldRow, loadFields, VALUE_TABLES, type ValueTable } from './custom-fields.service.ts';

/**
 * Filters and sorts of the table views, on built-in fields and custom fields, as SQL for the
 * keyset page functions of people, companies and deals. A custom-field filter is
 * `id in (select record_id from <values> where workspace_id, field_id, value ...)`: a range on
 * the values index. A custom-field sort walks that index in two phases: the records with a
 * value, by (value, id), then those without, by id; the cursor says which phase it is in.
 * Every operator used is leakproof or applied after the index condition, so row-level
 * security does not turn a filter into a scan of the workspace.
 */

type Kind = 'text' | 'key' | 'number' | 'date' | 'timestamp' | 'id' | 'enum' | 'boolean' | 'url';
type Builtin =
  | { kind: Kind; col: Column; values?: readonly string[] }
  | { kind: 'set'; cond: (ws: string, id: Column, op: TFilterOp, value: string, field: string) => SQL };

const OPS: Record<Kind | 'set' | 'select' | 'multi_select', readonly TFilterOp[]> = {
  text: ['eq', 'ne', 'contains', 'prefix', 'lt', 'lte', 'gt', 'gte', 'empty', 'notempty'],
  key: ['eq', 'ne', 'contains', 'prefix', 'lt', 'lte', 'gt', 'gte', 'empty', 'notempty'],
  url: ['eq', 'ne', 'contains', 'prefix', 'empty', 'notempty'],
  number: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'empty', 'notempty'],
  date: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'empty', 'notempty'],
  timestamp: ['eq', 'lt', 'lte', 'gt', 'gte'],
  id: ['eq', 'ne', 'empty', 'notempty'],
  enum: ['eq', 'ne'],
  boolean: ['eq', 'ne', 'empty', 'notempty'],
  select: ['eq', 'ne', 'empty', 'notempty'],
  multi_select: ['eq', 'ne', 'empty', 'notempty'],
  set: ['eq', 'ne', 'prefix', 'empty', 'notempty'],
};

/** A list-valued built-in kept in its own table (tags, emails, categories of people). */
function setField(table: PgTable & { workspaceId: Column; personId: Column }, col: Column, lower: boolean): Builtin {
  return {
    kind: 'set',
    cond: (ws, id, op, value, field) => {
      const v = lower ? value.toLowerCase() : value;
      const base = sql`select ${table.personId} from ${table} where ${table.workspaceId} = ${ws}`;
      // Negations are NOT EXISTS (an anti-join on the table's key): NOT IN over a large
      // subquery cannot be hashed past work_mem and turns quadratic.
      const none = (cond: SQL) =>
        sql`not exists (select 1 from ${table} where ${table.workspaceId} = ${ws} and ${table.personId} = ${id}${cond})`;
      switch (op) {
        case 'eq':
          return sql`${id} in (${base} and ${col} = ${v})`;
        case 'ne':
          return none(sql` and ${col} = ${v}`);
        case 'prefix': {
          const to = `${v}\u{10FFFF}`;
          return sql`${id} in (${base} and ${col} >= ${v} and ${col} < ${to})`;
        }
        case 'empty':
          return none(sql``);
        case 'notempty':
          return sql`${id} in (${base})`;
        default:
          throw badOp(field, op, OPS.set);
      }
    },
  };
}

/** The built-in fields a filter may name, per object (the list columns of the web tables). */
export const BUILTIN_FIELDS: Record<TCustomFieldObject, Record<string, Builtin>> = {
  person: {
    name: { kind: 'key', col: people.sortName },
    firstName: { kind: 'text', col: people.firstName },
    lastName: { kind: 'text', col: people.lastName },
    title: { kind: 'text', col: people.title },
    street: { kind: 'text', col: people.street },
    postalCode: { kind: 'text', col: people.postalCode },
    city: { kind: 'text', col: people.city },
    state: { kind: 'text', col: people.state },
    country: { kind: 'text', col: people.country },
    source: { kind: 'text', col: people.source },
    ownerId: { kind: 'id', col: people.ownerId },
    visibility: { kind: 'enum', col: people.visibility, values: ['private', 'team', 'workspace'] },
    createdAt: { kind: 'timestamp', col: people.createdAt },
    updatedAt: { kind: 'timestamp', col: people.updatedAt },
    tag: setField(personTags as never, personTags.tag, false),
    email: setField(personEmails as never, personEmails.email, true),
    subjectCategory: setField(personCategories as never, personCategories.category, false),
  },
  company: {
    name: { kind: 'key', col: companies.nameKey },
    domain: { kind: 'text', col: companies.domain },
    orgNumber: { kind: 'text', col: companies.orgNumber },
    industry: { kind: 'text', col: companies.industry },
    size: { kind: 'text', col: companies.size },
    city: { kind: 'text', col: companies.city },
    country: { kind: 'text', col: companies.country },
    ownerId: { kind: 'id', col: companies.ownerId },
    visibility: { kind: 'enum', col: companies.visibility, values: ['private', 'team', 'workspace'] },
    createdAt: { kind: 'timestamp', col: companies.createdAt },
    updatedAt: { kind: 'timestamp', col: companies.updatedAt },
    tag: {
      kind: 'set',
      cond: (_ws, _id, op, value, field) => {
        if (op === 'eq') return sql`${companies.tags} @> array[${value}]::text[]`;
        if (op === 'ne') return sql`not (${companies.tags} @> array[${value}]::text[])`;
        if (op === 'empty') return sql`cardinality(${companies.tags}) = 0`;
        if (op === 'notempty') return sql`cardinality(${companies.tags}) > 0`;
        throw badOp(field, op, ['eq', 'ne', 'empty', 'notempty']);
      },
    },
  },
  deal: {
    name: { kind: 'key', col: deals.nameKey },
    amount: { kind: 'number', col: deals.amount },
    currency: { kind: 'text', col: deals.currency },
    expectedCloseDate: { kind: 'date', col: deals.expectedCloseDate },
    probability: { kind: 'number', col: deals.probability },
    status: { kind: 'enum', col: deals.status, values: ['open', 'won', 'lost'] },
    stageId: { kind: 'id', col: deals.stageId },
    ownerId: { kind: 'id', col: deals.ownerId },
    companyId: { kind: 'id', col: deals.companyId },
    visibility: { kind: 'enum', col: deals.visibility, values: ['private', 'team', 'workspace'] },
    createdAt: { kind: 'timestamp', col: deals.createdAt },
    updatedAt: { kind: 'timestamp', col: deals.updatedAt },
  },
};

/** The id column of each object's table. */
const ID_COLUMNS: Record<TCustomFieldObject, Column> = {
  person: people.personId,
  company: companies.companyId,
  deal: deals.dealId,
};

function badOp(field: string, op: string, allowed: readonly TFilterOp[]) {
  return validationFailed({ [`filter.${field}`]: `does not take ${op}; use one of ${allowed.join(', ')}` });
}
const badValue = (field: string, problem: string) => validationFailed({ [`filter.${field}`]: problem });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function numberOf(field: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw badValue(field, 'must be a number');
  return n;
}
function dateOf(field: string, value: string): string {
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw badValue(field, 'must be a date YYYY-MM-DD');
  return value;
}
function boolOf(field: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badValue(field, 'must be true or false');
}

/** A comparison of one (nullable) column, as the operator says. */
function compare(col: Column | SQL, op: TFilterOp, v: unknown): SQL {
  switch (op) {
    case 'eq':
      return sql`${col} = ${v}`;
    case 'ne':
      return sql`(${col} is null or ${col} <> ${v})`;
    case 'lt':
      return sql`${col} < ${v}`;
    case 'lte':
      return sql`${col} <= ${v}`;
    case 'gt':
      return sql`${col} > ${v}`;
    case 'gte':
      return sql`${col} >= ${v}`;
    default:
      throw new Error(`compare: ${op}`);
  }
}

function builtinCondition(ws: string, object: TCustomFieldObject, f: TViewFilter, b: Builtin): SQL {
  const field = f.field;
  if (b.kind === 'set') return b.cond(ws, ID_COLUMNS[object], f.op, f.value, field);
  if (!OPS[b.kind].includes(f.op)) throw badOp(field, f.op, OPS[b.kind]);
  const col = b.col;
  if (f.op === 'empty') return b.kind === 'text' ? sql`(${col} is null or ${col} = '')` : sql`${col} is null`;
  if (f.op === 'notempty')
    return b.kind === 'text' ? sql`(${col} is not null and ${col} <> '')` : sql`${col} is not null`;
  switch (b.kind) {
    case 'key':
    case 'text':
    case 'url': {
      // Case-insensitive; a `key` column is lower-case already (and byte-ordered), so a prefix
      // is a range its sort index serves.
      const v = f.value.toLowerCase();
      const lhs = b.kind === 'key' ? sql`${col}` : sql`lower(${col})`;
      if (f.op === 'contains') return sql`strpos(${lhs}, ${v}) > 0`;
      if (f.op === 'prefix') {
        if (b.kind === 'key') return sql`(${col} >= ${v} and ${col} < ${`${v}\u{10FFFF}`})`;
        return sql`left(${lhs}, ${v.length}) = ${v}`;
      }
      return compare(lhs, f.op, v);
    }
    case 'number':
      return compare(col, f.op, numberOf(field, f.value));
    case 'date':
      return compare(col, f.op, sql`${dateOf(field, f.value)}::date`);
    case 'timestamp': {
      // A day (YYYY-MM-DD) means that day in UTC; else an ISO date-time.
      const day = DATE.test(f.value);
      const t = day ? `${f.value}T00:00:00Z` : f.value;
      if (Number.isNaN(Date.parse(t))) throw badValue(field, 'must be a date YYYY-MM-DD or an ISO 8601 date-time');
      const from = new Date(t);
      if (f.op === 'eq' && day) {
        const to = new Date(from.getTime() + 86_400_000);
        return sql`(${col} >= ${from} and ${col} < ${to})`;
      }
      const at = day && (f.op === 'gt' || f.op === 'lte') ? new Date(from.getTime() + 86_400_000) : from;
      // gt a day: after that day; lte a day: up to its end.
      const op = day && f.op === 'gt' ? 'gte' : day && f.op === 'lte' ? 'lt' : f.op;
      return compare(col, op, at);
    }
    case 'id':
      if (!UUID.test(f.value)) throw badValue(field, 'must be a UUID');
      return compare(col, f.op, f.value);
    case 'enum':
      if (!b.values?.includes(f.value)) throw badValue(field, `must be one of ${b.values?.join(', ')}`);
      return compare(col, f.op, f.value);
    case 'boolean':
      return compare(col, f.op, boolOf(field, f.value));
  }
}

/** The condition on the values table of one custom field (`v` rows of that field). */
function customValueCondition(v: ValueTable, field: FieldRow, f: TViewFilter): SQL {
  const name = f.field;
  const ops = OPS[field.type === 'select' || field.type === 'multi_select' ? field.type : field.type];
  if (!ops.includes(f.op)) throw badOp(name, f.op, ops);
  switch (field.type) {
    case 'text':
    case 'url': {
      if (f.op === 'contains') return sql`strpos(lower(${v.valueText}), ${f.value.toLowerCase()}) > 0`;
      if (f.op === 'prefix') return sql`left(lower(${v.valueText}), ${f.value.length}) = ${f.value.toLowerCase()}`;
      // Exact comparisons stay case-sensitive so that the values index serves them.
      return compare(v.valueText, f.op === 'ne' ? 'eq' : f.op, f.value);
    }
    case 'select':
    case 'multi_select':
      if (!field.options.includes(f.value)) throw badValue(name, `must be one of ${field.options.join(', ')}`);
      return sql`${v.valueText} = ${f.value}`;
    case 'number':
      return compare(v.valueNumber, f.op === 'ne' ? 'eq' : f.op, numberOf(name, f.value));
    case 'date':
      return compare(v.valueDate, f.op === 'ne' ? 'eq' : f.op, sql`${dateOf(name, f.value)}::date`);
    case 'boolean':
      return sql`${v.valueBool} = ${boolOf(name, f.value)}`;
  }
}

function customCondition(ws: string, object: TCustomFieldObject, field: FieldRow, f: TViewFilter): SQL {
  const v = VALUE_TABLES[object];
  const id = ID_COLUMNS[object];
  const base = sql`select ${v.recordId} from ${v} where ${v.workspaceId} = ${ws} and ${v.fieldId} = ${field.fieldId}`;
  // Negations are NOT EXISTS, an anti-join on the values' primary key (workspace, field,
  // record): NOT IN over a large subquery cannot be hashed past work_mem and turns quadratic
  // (measured: 30-47 s for `empty` at 1,000,000 people; see the README).
  const none = (cond: SQL) =>
    sql`not exists (select 1 from ${v} where ${v.workspaceId} = ${ws} and ${v.fieldId} = ${field.fieldId} and ${v.recordId} = ${id}${cond})`;
  if (f.op === 'empty') return none(sql``);
  if (f.op === 'notempty') return sql`${id} in (${base})`;
  const cond = customValueCondition(v, field, f);
  // ne: every record that does not hold the value (records without one included).
  if (f.op === 'ne') return none(sql` and ${cond}`);
  return sql`${id} in (${base} and ${cond})`;
}

/** The custom fields of an object by key, for one request. */
export async function fieldsByKey(tx: Tx, ws: string, object: TCustomFieldObject): Promise<Map<string, FieldRow>> {
  return new Map((await loadFields(tx, ws, object)).map((f) => [f.key, f]));
}

const plural = (o: TCustomFieldObject) => (o === 'person' ? 'people' : `${o}s`);

/** The SQL conditions of a list's `filter` parameter; 422 naming `filter.<field>`. */
export function filterConditions(
  ws: string,
  object: TCustomFieldObject,
  filters: TViewFilter[] | undefined,
  fields: Map<string, FieldRow>,
): SQL[] {
  if (!filters?.length) return [];
  return filters.map((f) => {
    if (f.field.startsWith('cf.')) {
      const field = fields.get(f.field.slice(3));
      if (!field) throw badValue(f.field, `is not a custom field of ${plural(object)}`);
      return customCondition(ws, object, field, f);
    }
    const b = BUILTIN_FIELDS[object][f.field];
    if (!b)
      throw badValue(
        f.field,
        `is not a field of ${plural(object)}: use one of ${Object.keys(BUILTIN_FIELDS[object]).join(', ')} or cf.<key>`,
      );
    return builtinCondition(ws, object, f, b);
  });
}

/** True when a column id (built-in or `cf.<key>`) names a field of the object. */
export function isKnownField(object: TCustomFieldObject, name: string, fields: Map<string, FieldRow>): boolean {
  if (name.startsWith('cf.')) return fields.has(name.slice(3));
  return name in BUILTIN_FIELDS[object];
}

// Sorting by a custom field

export type CustomSortPosition = { value: string; id: string };

/** The value column and SQL cast of a field's type. */
function valueColumn(v: ValueTable, field: FieldRow): { col: Column; cast: SQL } {
  switch (field.type) {
    case 'number':
      return { col: v.valueNumber, cast: sql`::double precision` };
    case 'date':
      return { col: v.valueDate, cast: sql`::date` };
    case 'boolean':
      return { col: v.valueBool, cast: sql`::boolean` };
    default:
      return { col: v.valueText, cast: sql`::text` };
  }
}

function asCursorValue(value: unknown): string {
  if (value === null || value === undefined) return 'n:';
  return `v:${String(value)}`;
}

/** Checks a decoded cursor position of a custom-field sort (`v:<value>` or `n:`). */
function checkPosition(field: FieldRow, value: string): boolean {
  if (value === 'n:') return true;
  if (!value.startsWith('v:')) return false;
  const v = value.slice(2);
  if (field.type === 'number') return v.trim() !== '' && Number.isFinite(Number(v));
  if (field.type === 'date') return DATE.test(v);
  if (field.type === 'boolean') return v === 'true' || v === 'false';
  return true;
}

/** Decodes the `after` cursor of a list sorted by `cf.<key>`. */
export function decodeCustomCursor(raw: string, sortKey: string, dir: 'asc' | 'desc', field: FieldRow) {
  // decodeCursor checks the shape, sort and direction; its date check does not apply here.
  let c: { value: string; id: string };
  try {
    c = decodeCursor(raw, `${sortKey}.name`, dir);
  } catch {
    throw validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
  }
  if (!checkPosition(field, c.value))
    throw validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
  return { value: c.value, id: c.id };
}

/** The key a custom-sort cursor is encoded with (decodeCursor wants it to end in `.name`). */
export const customCursorKey = (sortKey: string) => `${sortKey}.name`;

/**
 * One keyset page of `table` sorted by a custom field: first the records that have a value
 * (walking the values index by value, then id), then, once those run out, the records without
 * one (by id). `conds` are the list's other conditions (workspace, live, visible, filters).
 */
export async function customSortedPage<Row>(
  tx: Tx,
  opts: {
    ws: string;
    object: TCustomFieldObject;
    table: PgTable;
    tableWorkspace: Column;
    field: FieldRow;
    dir: 'asc' | 'desc';
    conds: (SQL | undefined)[];
    after: CustomSortPosition | undefined;
    limit: number;
    /** The list's table-view filters: one on the sort field itself rules a phase out. */
    filters?: TViewFilter[] | undefined;
  },
): Promise<{ rows: Row[]; next: CustomSortPosition | null }> {
  const { ws, object, table, field, dir, after, limit } = opts;
  // `empty` on the sort field: no record has a value, so the value phase would walk the whole
  // values index for nothing (measured 30 s at 1,000,000 people); any other condition on it but
  // `ne` leaves out the records without a value, so the last phase would walk every record.
  const onField = (opts.filters ?? []).filter((f) => f.field === `cf.${field.key}`);
  const skipValues = onField.some((f) => f.op === 'empty');
  const skipEmpty = onField.some((f) => f.op !== 'empty' && f.op !== 'ne');
  const v = VALUE_TABLES[object];
  const id = ID_COLUMNS[object];
  const { col, cast } = valueColumn(v, field);
  const order = dir === 'asc' ? asc : desc;
  const out: { row: Row; value: unknown }[] = [];
  const inNullPhase = after?.value === 'n:';
  if (!inNullPhase && !skipValues) {
    const cursor = after
      ? dir === 'asc'
        ? sql`(${col}, ${v.recordId}) > (${after.value.slice(2)}${cast}, ${after.id}::uuid)`
        : sql`(${col}, ${v.recordId}) < (${after.value.slice(2)}${cast}, ${after.id}::uuid)`
      : undefined;
    const rows = await tx
      .select({ row: table as never, value: col })
      .from(v)
      .innerJoin(table, and(eq(opts.tableWorkspace, v.workspaceId), eq(id, v.recordId)))
      .where(
        and(
          eq(v.workspaceId, ws),
          eq(v.fieldId, field.fieldId),
          eq(v.ordinal, 0),
          isNotNull(col),
          cursor,
          ...opts.conds,
        ),
      )
      .orderBy(order(col), order(v.recordId))
      .limit(limit + 1);
    for (const r of rows as { row: Row; value: unknown }[]) out.push(r);
  }
  if (out.length <= limit && !skipEmpty) {
    const cursor =
      inNullPhase && after
        ? dir === 'asc'
          ? sql`${id} > ${after.id}::uuid`
          : sql`${id} < ${after.id}::uuid`
        : undefined;
    const rest = await tx
      .select()
      .from(table)
      .where(
        and(
          sql`not exists (select 1 from ${v} where ${v.workspaceId} = ${ws} and ${v.fieldId} = ${field.fieldId} and ${v.recordId} = ${id} and ${v.ordinal} = 0)`,
          cursor,
          ...opts.conds,
        ),
      )
      .orderBy(order(id))
      .limit(limit + 1 - out.length);
    for (const r of rest as Row[]) out.push({ row: r, value: null });
  }
  const page = out.slice(0, limit);
  const last = page.at(-1);
  const next =
    out.length > limit && last
      ? { value: asCursorValue(last.value), id: (last.row as Record<string, unknown>)[idKey(object)] as string }
      : null;
  return { rows: page.map((r) => r.row), next };
}

const idKey = (o: TCustomFieldObject) => (o === 'person' ? 'personId' : o === 'company' ? 'companyId' : 'dealId');

// Sorting by a built-in text field

/** The sort key of a text column: lower-case, byte order, no value as ''. The same expression
 *  as the partial indexes `<table>_sort_<column>_idx`, so that they serve the sort. */
export const textSortKey = (col: Column) => sql`(lower(coalesce(${col}, '')) collate "C")`;

/** One keyset page of `table` over (text sort key, id). */
export async function textSortedPage<Row>(
  tx: Tx,
  opts: {
    table: PgTable;
    id: Column;
    /** The id's property on a row (personId, companyId). */
    idKey: string;
    col: Column;
    dir: 'asc' | 'desc';
    conds: (SQL | undefined)[];
    after: CustomSortPosition | undefined;
    limit: number;
  },
): Promise<{ rows: Row[]; next: CustomSortPosition | null }> {
  return keySortedPage<Row>(tx, { ...opts, key: textSortKey(opts.col), cast: sql`` });
}

/** One keyset page of `table` over (key, id), where `key` is an expression that is never
 *  NULL and that an index spells the same way; `cast` turns a cursor value back into it. */
export async function keySortedPage<Row>(
  tx: Tx,
  opts: {
    table: PgTable;
    id: Column;
    idKey: string;
    key: SQL;
    cast: SQL;
    dir: 'asc' | 'desc';
    conds: (SQL | undefined)[];
    after: CustomSortPosition | undefined;
    limit: number;
  },
): Promise<{ rows: Row[]; next: CustomSortPosition | null }> {
  const { after, id, key, cast } = opts;
  const cursor = after
    ? opts.dir === 'asc'
      ? sql`(${key}, ${id}) > (${after.value}${cast}, ${after.id}::uuid)`
      : sql`(${key}, ${id}) < (${after.value}${cast}, ${after.id}::uuid)`
    : undefined;
  const order = opts.dir === 'asc' ? asc : desc;
  const rows = (await tx
    .select({ row: opts.table as never, key: sql<string>`${key}` })
    .from(opts.table)
    .where(and(cursor, ...opts.conds))
    .orderBy(order(key), order(id))
    .limit(opts.limit + 1)) as { row: Row; key: unknown }[];
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  const lastId = last ? ((last.row as Record<string, unknown>)[opts.idKey] as string) : '';
  return {
    rows: page.map((r) => r.row),
    next: rows.length > opts.limit && last ? { value: String(last.key), id: lastId } : null,
  };
}

// Sorting by owner

/** The sort key of a company's size: its range's rank (1-10 is 1 ... 5001+ is 7), no size 0.
 *  The same expression as the index `companies_sort_size_idx`. */
export const companySizeKey = sql`(case ${companies.size} when '1-10' then 1 when '11-50' then 2 when '51-200' then 3 when '201-500' then 4 when '501-1000' then 5 when '1001-5000' then 6 when '5001+' then 7 else 0 end)`;

/** A cursor value of the owner sort: `o:<owner id>` or `n:` (no owner). The owner's name is
 *  looked up again on the next page (a cursor stays short whatever the name's length). */
const OWNER_VALUE = /^o:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const isOwnerCursorValue = (v: string) => v === 'n:' || OWNER_VALUE.test(v);

/**
 * One keyset page of `table` sorted by its owner's display name (lower-case, byte order), then
 * owner id, then record id; records without an owner last in both directions (cursor `n:`).
 * Never a sort of the table through a join: the owners of the live records are found by a
 * loose scan of the index (workspace, [pipeline,] owner_id, id) (one probe per owner), put in
 * name order (a few dozen rows), then each owner's records are taken by that index with a
 * LATERAL ... LIMIT and only those <= limit x owners ids are sorted. `scope` is the index's
 * leading equalities and predicate (workspace, live, pipeline); `conds` every condition of the
 * list (visibility and filters included). Rows are then read by id.
 */
export async function ownerSortedPage<Row>(
  tx: Tx,
  opts: {
    table: PgTable;
    id: Column;
    idKey: string;
    owner: Column;
    workspace: Column;
    ws: string;
    scope: SQL[];
    dir: 'asc' | 'desc';
    conds: (SQL | undefined)[];
    after: CustomSortPosition | undefined;
    limit: number;
    /** The list's `ownerId` parameter and table-view filters: a condition on the owner itself
     *  narrows the owners walked, or rules a phase out (as for a custom-field sort). */
    ownerId?: string | undefined;
    filters?: TViewFilter[] | undefined;
  },
): Promise<{ rows: Row[]; next: CustomSortPosition | null }> {
  const { table, id, owner, dir, after, limit } = opts;
  const onOwner = (opts.filters ?? []).filter((f) => f.field === 'ownerId');
  const only = [opts.ownerId, ...onOwner.filter((f) => f.op === 'eq').map((f) => f.value)].filter((v): v is string =>
    Boolean(v),
  );
  // `ownerId` given (parameter or eq filter): no record without an owner passes; `empty`: no
  // record with one.
  const skipOwners = onOwner.some((f) => f.op === 'empty');
  const skipNull = only.length > 0 || onOwner.some((f) => f.op === 'notempty');
  const asc_ = dir === 'asc';
  const order = asc_ ? asc : desc;
  const word = sql.raw(asc_ ? 'asc' : 'desc');
  const m = after ? OWNER_VALUE.exec(after.value) : null;
  const inNullPhase = after?.value === 'n:';
  const picked: { id: string; ownerId: string | null }[] = [];
  if (!inNullPhase && !skipOwners) {
    // The filters have checked each owner id is a UUID (422 otherwise).
    const scope = and(...opts.scope, ...only.map((v) => sql`${owner} = ${v}::uuid`));
    const at = m
      ? sql`((select lower(u2.name) collate "C" from ${users} u2 where u2.id = ${m[1]}::uuid), ${m[1]}::uuid)`
      : undefined;
    const from = at
      ? asc_
        ? sql`where (lower(${users.name}) collate "C", o.owner_id) >= ${at}`
        : sql`where (lower(${users.name}) collate "C", o.owner_id) <= ${at}`
      : sql``;
    // Distinct owners of the live records: each step one index probe for the next owner id.
    const list = await rowsOf<{ owner_id: string; key: string }>(
      tx,
      sql`with recursive o(owner_id) as (
        (select ${owner} from ${table} where ${scope} and ${owner} is not null order by ${owner} limit 1)
        union all
        select (select ${owner} from ${table} where ${scope} and ${owner} > o.owner_id order by ${owner} limit 1)
        from o where o.owner_id is not null)
      select o.owner_id::text as owner_id, lower(${users.name}) collate "C" as key
      from o join ${users} on ${users.id} = o.owner_id ${from}
      order by 2 ${word}, 1 ${word}`,
    );
    const past = m
      ? asc_
        ? sql` and (ow.owner_id <> ${m[1]}::uuid or ${id} > ${after?.id}::uuid)`
        : sql` and (ow.owner_id <> ${m[1]}::uuid or ${id} < ${after?.id}::uuid)`
      : sql``;
    // Owners in batches of 1, 2, 4, ... until the page is full: a page usually comes from one
    // or two owners, and an owner none of whose records pass the filters (its whole range is
    // walked) is walked only when the page reaches it, not on every page.
    for (let i = 0, size = 1; i < list.length && picked.length <= limit; i += size, size *= 2) {
      const values = sql.join(
        list.slice(i, i + size).map((o, j) => sql`(${i + j}::int, ${o.owner_id}::uuid)`),
        sql`, `,
      );
      const need = limit + 1 - picked.length;
      const got = await rowsOf<{ ord: number; rid: string }>(
        tx,
        sql`select ow.ord, r.rid::text as rid from (values ${values}) as ow(ord, owner_id)
        cross join lateral (select ${id} as rid from ${table}
          where ${and(...opts.conds)} and ${owner} = ow.owner_id${past}
          order by ${id} ${word} limit ${need}) r
        order by ow.ord, r.rid ${word} limit ${need}`,
      );
      for (const r of got) {
        const o = list[Number(r.ord)];
        picked.push({ id: r.rid, ownerId: o?.owner_id ?? null });
      }
    }
  }
  if (picked.length <= limit && !skipNull) {
    const cursor =
      inNullPhase && after ? (asc_ ? sql`${id} > ${after.id}::uuid` : sql`${id} < ${after.id}::uuid`) : undefined;
    const rest = await tx
      .select({ id })
      .from(table)
      .where(and(isNull(owner), cursor, ...opts.conds))
      .orderBy(order(id))
      .limit(limit + 1 - picked.length);
    for (const r of rest) picked.push({ id: String(r.id), ownerId: null });
  }
  const page = picked.slice(0, limit);
  const byId = new Map<string, Row>();
  if (page.length > 0) {
    const rows = (await tx
      .select()
      .from(table)
      .where(
        and(
          eq(opts.workspace, opts.ws),
          inArray(
            id,
            page.map((p) => p.id),
          ),
        ),
      )) as Row[];
    for (const r of rows) byId.set((r as Record<string, unknown>)[opts.idKey] as string, r);
  }
  const last = page.at(-1);
  return {
    rows: page.map((p) => byId.get(p.id)).filter((r): r is Row => r !== undefined),
    next: picked.length > limit && last ? { value: last.ownerId ? `o:${last.ownerId}` : 'n:', id: last.id } : null,
  };
}

// One entry for the lists

/**
 * The table-view part of a list's keyset page, shared by people, companies and deals: adds the
 * `filter` conditions to `conds` (422 naming `filter.<field>`), and pages the sorts by a custom
 * field (`cf.<key>`, 422 naming `sort` for an unknown one), by owner, and by one of `keys` (an
 * index's expression and the cast of its cursor value). Returns null for the list's own sorts,
 * which the caller pages with `conds` (filters included).
 */
export async function tableViewPage<Row>(
  tx: Tx,
  o: {
    ws: string;
    object: TCustomFieldObject;
    table: PgTable;
    id: Column;
    /** The id's property on a row (personId, companyId, dealId). */
    idKey: string;
    owner: Column;
    workspace: Column;
    /** The owner index's leading equalities and predicate (workspace, live, pipeline). */
    scope: SQL[];
    keys: Record<string, { key: SQL; cast: SQL }>;
    q: { sort: string; dir: 'asc' | 'desc'; filter?: TViewFilter[] | undefined; ownerId?: string | undefined };
    conds: (SQL | undefined)[];
    page: { after?: CustomSortPosition | undefined; limit: number };
  },
): Promise<{ rows: Row[]; next: CustomSortPosition | null } | null> {
  const { ws, object, q, conds } = o;
  const sort = q.sort;
  const common = { dir: q.dir, conds, after: o.page.after, limit: o.page.limit };
  if (q.filter?.length || isCustomSort(sort)) {
    const fields = await fieldsByKey(tx, ws, object);
    conds.push(...filterConditions(ws, object, q.filter, fields));
    if (isCustomSort(sort)) {
      const field = fields.get(sort.slice(3));
      if (!field) throw validationFailed({ sort: `is not a custom field of ${plural(object)}: ${sort}` });
      return customSortedPage<Row>(tx, {
        ws,
        object,
        table: o.table,
        tableWorkspace: o.workspace,
        field,
        ...common,
        filters: q.filter,
      });
    }
  }
  if (sort === 'owner') {
    return ownerSortedPage<Row>(tx, {
      table: o.table,
      id: o.id,
      idKey: o.idKey,
      owner: o.owner,
      workspace: o.workspace,
      ws,
      scope: o.scope,
      ...common,
      ownerId: q.ownerId,
      filters: q.filter,
    });
  }
  const k = Object.hasOwn(o.keys, sort) ? o.keys[sort] : undefined;
  if (k)
    return keySortedPage<Row>(tx, { table: o.table, id: o.id, idKey: o.idKey, key: k.key, cast: k.cast, ...common });
  return null;
}

/** The `keys` of `tableViewPage` for text columns (`textSortKey`, one partial index each). */
export function textSortKeys(cols: Record<string, Column>): Record<string, { key: SQL; cast: SQL }> {
  return Object.fromEntries(Object.entries(cols).map(([name, col]) => [name, { key: textSortKey(col), cast: sql`` }]));
}
