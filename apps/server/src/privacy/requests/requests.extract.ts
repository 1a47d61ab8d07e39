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
 * Each source is read in keyset pages over its primary key, filtered by the index that
 * leads with (workspace_id, person column), so a package never loads more than a page.
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
};

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
    sources.push({
      name: foreign,
      table: foreign,
      description: decl.description,
      link: `linked through ${via.map((v) => v.via).join(', ')}`,
      columns: columnsOf(decl.table as PgTable, decl.columns),
      pk: primaryKeyOf(decl.table as PgTable),
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

/** One keyset page of a source: rows after `after` (the previous page's last key). */
export async function readSourcePage(
  tx: Tx,
  source: ExtractSource,
  workspaceId: string,
  personIds: readonly string[],
  after: unknown[] | null,
  limit: number,
): Promise<{ rows: RawRow[]; last: unknown[] | null }> {
  if (personIds.length === 0) return { rows: [], last: null };
  const pk = sql.join(
    source.pk.map((c) => id(c.name)),
    sql`, `,
  );
  const cols = sql.join(
    source.columns.map((c) => id(c.name)),
    sql`, `,
  );
  const keyset = after
    ? sql` where (${pk}) > (${sql.join(
        source.pk.map((c, i) => sql`${after[i]}::${sql.raw(c.type)}`),
        sql`, `,
      )})`
    : sql``;
  // The person's rows are found first, through the index on the person column (or the link
  // table's), and only then ordered and paged: with ORDER BY and LIMIT on the table itself the
  // planner may walk the whole primary key looking for a heavy person's rows (measured: 36 s
  // for 5,000 notes among 1,000,000).
  const res = await tx.execute(
    sql`with r as materialized (select ${cols} from ${id(source.table)} where ${source.where(workspaceId, personIds)}) select * from r${keyset} order by ${pk} limit ${limit}`,
  );
  const rows = (res as unknown as { rows: RawRow[] }).rows.map(normaliseRow);
  const lastRow = rows[rows.length - 1];
  return { rows, last: rows.length === limit && lastRow ? source.pk.map((c) => lastRow[c.name]) : null };
}

/** Values as JSON can carry them: dates as ISO 8601, 64-bit integers as numbers (or text when too large). */
function normaliseRow(row: RawRow): RawRow {
  const out: RawRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = normaliseValue(v);
  return out;
}

function normaliseValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(normaliseValue);
  return v;
}
