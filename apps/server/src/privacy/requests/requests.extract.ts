import { getTableName, type SQL, sql } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { type ColumnDeclaration, declaredTables, tableDeclaration } from '../data-map/data-map.ts';

/**
 * What an access package holds, derived from the data map, never from a hand list
 * (principle 1): every tenant table whose subject is a person (their rows), every tenant
 * table those rows point to by a foreign key (the notes, tasks, interactions, deals,
 * companies and requests a link row ties to them), the audit entries about them and the
 * log of who read their data. A table added tomorrow with `subject: { kind: 'person' }`
 * appears in the package without a change here.
 *
 * Each source's keys are read once, through the index that leads with (workspace_id, person
 * column), then its rows in pages by key, so a package never loads more than a page of rows.
 */

export type SourceColumn = { name: string; personal: boolean; category: string | null; note: string | null };

export type ExtractSource = {
  /** The name of the part: the table, or `audit_entries` / `access_log`. */
  name: string;
  table: string;
  description: string;
  /** How the rows are tied to the person. */
  link: string;
  columns: SourceColumn[];
  pk: { name: string; type: string }[];
  where(workspaceId: string, personIds: readonly string[]): SQL;
  /** For a linked table whose whole key the link rows hold: where its keys come from (the
   *  link tables alone; their foreign keys guarantee the rows exist). Per link table: its
   *  column holding the person, and for each key column the link column holding it. */
  keysFrom?: { table: string; subject: string; columns: Record<string, string> }[];
  /** A link table (a few ids and a time per row, and the most rows of a heavy person): its
   *  rows are read whole with the keys (`readSourceKeys`), never again by key. Each column's
   *  type, for rendering its values as a read by key gives them. */
  wholeRows?: Record<string, WholeType>;
};

/** Column types a source read whole with its keys may have: what JSON carries exactly, and
 *  times (as text, which is how both drivers give them here). */
type WholeType = 'text' | 'number' | 'boolean' | 'time';
const WHOLE_TYPES: Record<string, WholeType> = {
  uuid: 'text',
  text: 'text',
  boolean: 'boolean',
  integer: 'number',
  smallint: 'number',
  'timestamp with time zone': 'time',
};

/** The types of a table's columns when every one is a `WholeType`, else null. */
function wholeTypesOf(table: PgTable, columns: readonly SourceColumn[]): Record<string, WholeType> | null {
  const types: Record<string, WholeType> = {};
  const config = getTableConfig(table);
  for (const c of columns) {
    const sqlType = config.columns.find((col) => col.name === c.name)?.getSQLType() ?? '';
    // `timestamp (3) with time zone` is a time like any other.
    const t = WHOLE_TYPES[sqlType.replace(/\s*\(\d+\)/, '')];
    if (!t) return null;
    types[c.name] = t;
  }
  return types;
}

/** Columns never put in a package: the IP and browser of the members who acted (their data, not the person's). */
const WITHHELD: Record<string, readonly string[]> = { audit_entries: ['personal', 'personal_digest'] };

/** Tables a link row points to that are not data about the person: the tenant root and the
 *  person record itself (already a source). */
const NOT_LINKED = new Set(['workspaces', 'people']);

const uuidList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
const textList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
const id = (name: string) => sql.identifier(name);

function columnsOf(table: PgTable, declared: Record<string, ColumnDeclaration>): SourceColumn[] {
  const withheld = WITHHELD[getTableName(table)] ?? [];
  return getTableConfig(table)
    .columns.filter((c) => !withheld.includes(c.name))
    .map((c) => {
      const d = declared[c.name];
      return {
        name: c.name,
        personal: d?.personal ?? false,
        category: d?.personal ? d.category : null,
        note: d?.note ?? null,
      };
    });
}

function primaryKeyOf(table: PgTable): { name: string; type: string }[] {
  const config = getTableConfig(table);
  // The primary key's own column objects are config placeholders: take the table's columns by name.
  const names =
    config.primaryKeys[0]?.columns.map((c) => c.name) ?? config.columns.filter((c) => c.primary).map((c) => c.name);
  const cols = names.map((n) => config.columns.find((c) => c.name === n)).filter((c): c is PgColumn => Boolean(c));
  if (cols.length === 0) throw new Error(`access package: ${config.name} has no primary key`);
  return cols.map((c) => ({ name: c.name, type: c.getSQLType() }));
}

let cached: ExtractSource[] | null = null;

/** The sources of a package, in a stable order (people first, then by name). */
export function extractSources(): ExtractSource[] {
  if (cached) return cached;
  const personTables = declaredTables().filter((t) => t.tenancy === 'tenant' && t.subject?.kind === 'person');
  const sources: ExtractSource[] = [];
  const personTableNames = new Set(personTables.map((t) => t.name));
  // Linked tables: foreign table -> the link conditions that reach it.
  const links = new Map<string, { via: string; subject: string; pairs: [string, string][] }[]>();
  for (const t of personTables) {
    const subject = t.subject?.column as string;
    sources.push({
      name: t.name,
      table: t.name,
      description: t.description,
      link: `${t.name}.${subject} is the person`,
      columns: columnsOf(t.table as PgTable, t.columns),
      pk: primaryKeyOf(t.table as PgTable),
      where: (ws, ids) => sql`${id('workspace_id')} = ${ws}::uuid and ${id(subject)} in (${uuidList(ids)})`,
    });
    if (t.name === 'people') continue;
    for (const fk of getTableConfig(t.table as PgTable).foreignKeys) {
      const ref = fk.reference();
      const foreign = getTableName(ref.foreignTable);
      const decl = tableDeclaration(foreign);
      if (!decl || decl.tenancy !== 'tenant' || NOT_LINKED.has(foreign) || personTableNames.has(foreign)) continue;
      const pairs = ref.columns
        .map((c, i) => [c.name, ref.foreignColumns[i]?.name ?? ''] as [string, string])
        .filter(([c]) => c !== 'workspace_id');
      if (pairs.length === 0 || pairs.some(([c]) => c === subject)) continue;
      const list = links.get(foreign) ?? [];
      list.push({ via: t.name, subject, pairs });
      links.set(foreign, list);
    }
  }
  for (const [foreign, via] of [...links].sort(([a], [b]) => a.localeCompare(b))) {
    const decl = tableDeclaration(foreign);
    if (!decl) continue;
    const pk = primaryKeyOf(decl.table as PgTable);
    const keyNames = pk.map((c) => c.name).filter((n) => n !== 'workspace_id');
    // Each link names the whole key of the linked row: its keys come from the link rows.
    const keyed = via.every(
      (v) => v.pairs.length === keyNames.length && keyNames.every((k) => v.pairs.some(([, f]) => f === k)),
    );
    sources.push({
      name: foreign,
      table: foreign,
      description: decl.description,
      link: `linked through ${via.map((v) => v.via).join(', ')}`,
      columns: columnsOf(decl.table as PgTable, decl.columns),
      pk,
      ...(keyed
        ? {
            keysFrom: via.map((v) => ({
              table: v.via,
              subject: v.subject,
              columns: Object.fromEntries(v.pairs.map(([c, f]) => [f, c])),
            })),
          }
        : {}),
      where: (ws, ids) => {
        const ors = via.map((v) => {
          const mine = sql.join(
            v.pairs.map(([, f]) => id(f)),
            sql`, `,
          );
          const theirs = sql.join(
            v.pairs.map(([c]) => sql`l.${id(c)}`),
            sql`, `,
          );
          return sql`(${mine}) in (select ${theirs} from ${id(v.via)} l where l.workspace_id = ${ws}::uuid and l.${id(v.subject)} in (${uuidList(ids)}))`;
        });
        return sql`${id('workspace_id')} = ${ws}::uuid and (${sql.join(ors, sql` or `)})`;
      },
    });
  }
  // Link tables (the `via` of a linked source) are read whole with their keys: their rows are
  // hardly wider than their keys, and reading them again by key was half the statements of a
  // heavy person's package (measured on PGlite: 10,000 entries, ~60 us a row by key).
  const vias = new Set([...links.values()].flatMap((list) => list.map((v) => v.via)));
  for (const source of sources) {
    if (!vias.has(source.table) || source.keysFrom) continue;
    const decl = tableDeclaration(source.table);
    const types = decl ? wholeTypesOf(decl.table as PgTable, source.columns) : null;
    if (types && keyColumnsOf(source).every((k) => k.name in types)) source.wholeRows = types;
  }
  sources.sort((a, b) => (a.name === 'people' ? -1 : b.name === 'people' ? 1 : a.name.localeCompare(b.name)));
  // The record of what was done with their data, and who read it.
  for (const [name, column, list, link] of [
    ['audit_entries', 'target_id', textList, 'audit_entries.target_id is the person'],
    ['access_log', 'subject_id', uuidList, 'access_log.subject_id is the person'],
  ] as const) {
    const decl = tableDeclaration(name);
    if (!decl) continue;
    sources.push({
      name,
      table: name,
      description: decl.description,
      link,
      columns: columnsOf(decl.table as PgTable, decl.columns),
      pk: primaryKeyOf(decl.table as PgTable),
      where: (ws, ids) => sql`${id('workspace_id')} = ${ws}::uuid and ${id(column)} in (${list(ids)})`,
    });
  }
  cached = sources;
  return sources;
}

export type RawRow = Record<string, unknown>;

/** The keys of a source's rows about the people, in key order: one array per key column
 *  (the primary key without workspace_id, which every key leads with); for a source read
 *  whole (`wholeRows`), its rows too, in the same order, as `readSourceRows` gives them. */
export type SourceKeys = { columns: unknown[][]; count: number; rows?: RawRow[] };

const keyColumnsOf = (source: ExtractSource) => source.pk.filter((c) => c.name !== 'workspace_id');

/**
 * The keys of every row of each source about the people, in primary-key order, read once and
 * in one statement (one round trip for every source). Each source's rows are found first
 * through the index on the person column (or the link table's) in a `materialized` CTE and
 * only then ordered: with ORDER BY on the table itself the planner may walk the whole primary
 * key looking for a heavy person's rows (measured: 36 s for 5,000 notes among 1,000,000).
 * Reading the keys once, rather than every row of the person once per page, keeps a heavy
 * person's source linear in its size. Keys travel as text (a 64-bit key stays exact).
 */
export async function readSourceKeys(
  tx: Tx,
  sources: readonly ExtractSource[],
  workspaceId: string,
  personIds: readonly string[],
): Promise<SourceKeys[]> {
  const empty = () => sources.map((source) => ({ columns: keyColumnsOf(source).map(() => [] as unknown[]), count: 0 }));
  if (personIds.length === 0 || sources.length === 0) return empty();
  // A linked table's keys come from its link table's keys when those are read in the same
  // statement (the link rows are then found once): the CTEs of the person tables come first.
  const at = new Map(sources.map((source, i) => [source.table, i]));
  const keyNames = (source: ExtractSource) => keyColumnsOf(source).map((c) => c.name);
  const cte = (source: ExtractSource, i: number) => {
    const list = sql.join(
      (source.wholeRows ? source.columns.map((c) => c.name) : keyNames(source)).map((n) => id(n)),
      sql`, `,
    );
    const links = source.keysFrom;
    const found = !links
      ? sql`select ${list} from ${id(source.table)} where ${source.where(workspaceId, personIds)}`
      : sql.join(
          links.map((l) => {
            const j = at.get(l.table);
            const linkSource = j === undefined ? undefined : sources[j];
            const cols = sql.join(
              keyNames(source).map((k) => sql`l.${id(l.columns[k] ?? k)} as ${id(k)}`),
              sql`, `,
            );
            return linkSource &&
              !linkSource.keysFrom &&
              Object.values(l.columns).every((c) => keyNames(linkSource).includes(c))
              ? sql`select distinct ${cols} from ${sql.raw(`r${j}`)} l`
              : sql`select distinct ${cols} from ${id(l.table)} l where l.workspace_id = ${workspaceId}::uuid and l.${id(l.subject)} in (${uuidList(personIds)})`;
          }),
          sql` union `,
        );
    return sql`${sql.raw(`r${i}`)} as materialized (${found})`;
  };
  const ctes = [
    ...sources.flatMap((source, i) => (source.keysFrom ? [] : [cte(source, i)])),
    ...sources.flatMap((source, i) => (source.keysFrom ? [cte(source, i)] : [])),
  ];
  const lists = sources.map((source, i) => {
    const cols = keyColumnsOf(source);
    const whole = source.wholeRows;
    // A whole row's values as JSON carries them; a time as text, as the drivers give it to
    // a read by key (the same session, so the same DateStyle and TimeZone).
    const asText = whole
      ? sql.join(
          source.columns.map((c) => (whole[c.name] === 'time' ? sql`${id(c.name)}::text` : id(c.name))),
          sql`, `,
        )
      : sql.join(
          cols.map((c) => sql`${id(c.name)}::text`),
          sql`, `,
        );
    const order = sql.join(
      cols.map((c) => id(c.name)),
      sql`, `,
    );
    return sql`(select coalesce(json_agg(json_build_array(${asText}) order by ${order}), '[]'::json) from ${sql.raw(`r${i}`)}) as ${sql.raw(`k${i}`)}`;
  });
  const res = await tx.execute(sql`with ${sql.join(ctes, sql`, `)} select ${sql.join(lists, sql`, `)}`);
  const row = (res as unknown as { rows: Record<string, unknown>[] }).rows[0] ?? {};
  return sources.map((source, i) => {
    const raw = row[`k${i}`];
    const tuples = (typeof raw === 'string' ? JSON.parse(raw) : (raw ?? [])) as unknown[][];
    if (!source.wholeRows) {
      const columns = keyColumnsOf(source).map((_, j) => tuples.map((t) => t[j]));
      return { columns, count: tuples.length };
    }
    const names = source.columns.map((c) => c.name);
    const rows = tuples.map((t) => {
      const r: RawRow = {};
      for (let j = 0; j < names.length; j++) r[names[j] as string] = t[j] ?? null;
      return r;
    });
    const columns = keyColumnsOf(source).map((k) => rows.map((r) => (r[k.name] === null ? null : String(r[k.name]))));
    return { columns, count: rows.length, rows };
  });
}

/** Postgres array element type of a key column (`text COLLATE "C"` -> `text`). */
const elementType = (type: string) => type.replace(/\s+COLLATE\s+.*$/i, '');

/**
 * The rows of keys `from` to `to` (exclusive) of `keys`, in that order: each row by its primary
 * key, so a page costs as much as its own rows whatever the person's total.
 */
export async function readSourceRows(
  tx: Tx,
  source: ExtractSource,
  workspaceId: string,
  keys: SourceKeys,
  from: number,
  to: number,
): Promise<RawRow[]> {
  if (to <= from) return [];
  const keyColumns = keyColumnsOf(source);
  const arrays = sql.join(
    keyColumns.map(
      (c, i) => sql`${sql.param(keys.columns[i]?.slice(from, to) ?? [])}::${sql.raw(elementType(c.type))}[]`,
    ),
    sql`, `,
  );
  const names = sql.join(
    keyColumns.map((_, i) => sql.raw(`k${i}`)),
    sql`, `,
  );
  // The key column's own type (with its collation) on the right, so text keys compare as the
  // column does.
  const join = sql.join(
    keyColumns.map((c, i) => sql`t.${id(c.name)} = k.${sql.raw(`k${i}`)}::${sql.raw(c.type)}`),
    sql` and `,
  );
  const cols = sql.join(
    source.columns.map((c) => sql`t.${id(c.name)}`),
    sql`, `,
  );
  const res = await tx.execute(
    sql`select ${cols} from unnest(${arrays}) with ordinality as k(${names}, ord) join ${id(source.table)} t on t.workspace_id = ${workspaceId}::uuid and ${join} order by k.ord`,
  );
  return (res as unknown as { rows: RawRow[] }).rows.map(normaliseRow);
}

/** Values as JSON can carry them: dates as ISO 8601, 64-bit integers as numbers (or text when too large). */
function normaliseRow(row: RawRow): RawRow {
  // In place: the driver's row objects are fresh and ours alone.
  for (const k in row) {
    const v = row[k];
    if (v !== null && (typeof v === 'object' || typeof v === 'bigint')) row[k] = normaliseValue(v);
  }
  return row;
}

function normaliseValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(normaliseValue);
  return v;
}
