import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { declaredTables } from '../../privacy/data-map/data-map.ts';

/**
 * Finds every column that refers to a person, and moves a merged person's rows to the
 * survivor. Driven by the data map (every table declared with `subject: {kind:'person'}`)
 * and, so that nothing that would block or cascade the merged person's deletion is missed,
 * by the database's own foreign keys to `people`. Tables added later are covered without a
 * change here.
 */

export type PersonReference = { table: string; column: string; where?: SQL };
export type RecordReference = PersonReference;

/** Tables the merge handles itself: the person row, and the pairs of "not a duplicate"
 *  (two person columns; a mark involving the merged person is dropped, not moved). */
const HANDLED_ELSEWHERE = new Set(['people', 'person_non_duplicates']);

async function rowsOf<R>(tx: Tx, query: SQL): Promise<R[]> {
  const res = await tx.execute(query);
  return (res as unknown as { rows: R[] }).rows;
}

/** Every (table, column) that holds a person id: data-map subjects plus foreign keys. */
export async function personReferences(tx: Tx): Promise<PersonReference[]> {
  const seen = new Set<string>();
  const out: PersonReference[] = [];
  const add = (table: string, column: string) => {
    const key = `${table}.${column}`;
    if (HANDLED_ELSEWHERE.has(table) || seen.has(key)) return;
    seen.add(key);
    out.push({ table, column });
  };
  for (const t of declaredTables()) {
    if (t.subject?.kind === 'person') add(t.name, t.subject.column);
  }
  for (const fk of await foreignKeysTo(tx, 'people')) add(fk.table, fk.column);
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}

/** The (table, column) pairs of every foreign key to `target` (workspace_id aside). */
async function foreignKeysTo(tx: Tx, target: 'people' | 'companies'): Promise<{ table: string; column: string }[]> {
  const rows = await rowsOf<{ table: string; column: string }>(
    tx,
    sql`select c.conrelid::regclass::text as table, a.attname as column
        from pg_constraint c
        cross join lateral unnest(c.conkey) as k(attnum)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        where c.contype = 'f' and c.confrelid = ${`public.${target}`}::regclass and a.attname <> 'workspace_id'
        order by 1, 2`,
  );
  return rows.map((r) => ({ table: r.table.replace(/^public\./, '').replace(/"/g, ''), column: r.column }));
}

/** Tables the company merge handles itself: the company row, its "not a duplicate" marks
 *  (dropped) and its merge log (the survivor's stays). */
const COMPANY_HANDLED_ELSEWHERE = new Set(['companies', 'company_non_duplicates', 'company_merges']);

/**
 * Every (table, column) that holds a company id: the database's foreign keys to `companies`
 * (links of people, deals, notes, tasks, projects, custom field values, search postings)
 * plus the polymorphic references that have no foreign key (files attached to a company).
 */
export async function companyReferences(tx: Tx): Promise<RecordReference[]> {
  const out: RecordReference[] = [];
  for (const fk of await foreignKeysTo(tx, 'companies')) {
    if (!COMPANY_HANDLED_ELSEWHERE.has(fk.table)) out.push(fk);
  }
  out.push({ table: 'files', column: 'record_id', where: sql`record_kind = 'company'` });
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.column.localeCompare(b.column));
}

type UniqueKey = { columns: string[]; exact: boolean };

/** The unique keys (primary key, unique constraints and indexes) of a table, from the
 *  catalog. `exact` is false for a partial or expression index, which a generic merge
 *  cannot reconcile (a clash there makes the merge fail with 409, nothing half-done). */
async function uniqueKeys(tx: Tx, table: string): Promise<UniqueKey[]> {
  const rows = await rowsOf<{ columns: string[]; partial: boolean; expr: boolean }>(
    tx,
    sql`select array(select a.attname::text from unnest(i.indkey::int2[]) as k(attnum)
                     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum) as columns,
               i.indpred is not null as partial, i.indexprs is not null as expr
        from pg_index i where i.indrelid = ${`public.${table}`}::regclass and i.indisunique`,
  );
  return rows.map((r) => ({ columns: r.columns, exact: !r.partial && !r.expr }));
}

export type RepointResult = { moved: Record<string, number>; dropped: Record<string, number> };

/**
 * Moves every row of `mergedId` to `survivorId`. Where a unique key would clash (both are
 * linked to the same deal, company, tag, ...), the merged person's row is deleted first and
 * the survivor's kept: the link exists once, on the survivor.
 */
export async function repointPerson(
  tx: Tx,
  workspaceId: string,
  survivorId: string,
  mergedId: string,
): Promise<RepointResult> {
  return repoint(tx, workspaceId, await personReferences(tx), survivorId, mergedId);
}

/** The same for a company: every row of `mergedId` moves to `survivorId`. */
export async function repointCompany(
  tx: Tx,
  workspaceId: string,
  survivorId: string,
  mergedId: string,
): Promise<RepointResult> {
  return repoint(tx, workspaceId, await companyReferences(tx), survivorId, mergedId);
}

async function repoint(
  tx: Tx,
  workspaceId: string,
  refs: RecordReference[],
  survivorId: string,
  mergedId: string,
): Promise<RepointResult> {
  const moved: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  for (const ref of refs) {
    const only = ref.where ? sql` and ${ref.where}` : sql``;
    const t = sql.identifier(ref.table);
    const c = sql.identifier(ref.column);
    for (const key of await uniqueKeys(tx, ref.table)) {
      if (!key.exact || !key.columns.includes(ref.column)) continue;
      const others = key.columns.filter((k) => k !== ref.column && k !== 'workspace_id');
      const same = others.map((k) => sql` and s.${sql.identifier(k)} is not distinct from m.${sql.identifier(k)}`);
      const [r] = await rowsOf<{ n: number }>(
        tx,
        sql`with d as (
              delete from ${t} m where m.workspace_id = ${workspaceId} and m.${c} = ${mergedId}${only}
              and exists (select 1 from ${t} s where s.workspace_id = ${workspaceId} and s.${c} = ${survivorId}${sql.join(same, sql``)})
              returning 1)
            select count(*)::int as n from d`,
      );
      if (r?.n) dropped[`${ref.table}.${ref.column}`] = (dropped[`${ref.table}.${ref.column}`] ?? 0) + r.n;
    }
    const [u] = await rowsOf<{ n: number }>(
      tx,
      sql`with u as (
            update ${t} set ${c} = ${survivorId} where workspace_id = ${workspaceId} and ${c} = ${mergedId}${only}
            returning 1)
          select count(*)::int as n from u`,
    );
    if (u?.n) moved[`${ref.table}.${ref.column}`] = u.n;
  }
  return { moved, dropped };
}
