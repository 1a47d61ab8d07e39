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

export type PersonReference = { table: string; column: string };

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
  const fks = await rowsOf<{ table: string; column: string }>(
    tx,
    sql`select c.conrelid::regclass::text as table, a.attname as column
        from pg_constraint c
        cross join lateral unnest(c.conkey) as k(attnum)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        where c.contype = 'f' and c.confrelid = 'public.people'::regclass and a.attname <> 'workspace_id'
        order by 1, 2`,
  );
  for (const fk of fks) add(fk.table.replace(/^public\./, '').replace(/"/g, ''), fk.column);
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
  const moved: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  for (const ref of await personReferences(tx)) {
    const t = sql.identifier(ref.table);
    const c = sql.identifier(ref.column);
    for (const key of await uniqueKeys(tx, ref.table)) {
      if (!key.exact || !key.columns.includes(ref.column)) continue;
      const others = key.columns.filter((k) => k !== ref.column && k !== 'workspace_id');
      const same = others.map((k) => sql` and s.${sql.identifier(k)} is not distinct from m.${sql.identifier(k)}`);
      const [r] = await rowsOf<{ n: number }>(
        tx,
        sql`with d as (
              delete from ${t} m where m.workspace_id = ${workspaceId} and m.${c} = ${mergedId}
              and exists (select 1 from ${t} s where s.workspace_id = ${workspaceId} and s.${c} = ${survivorId}${sql.join(same, sql``)})
              returning 1)
            select count(*)::int as n from d`,
      );
      if (r?.n) dropped[`${ref.table}.${ref.column}`] = (dropped[`${ref.table}.${ref.column}`] ?? 0) + r.n;
    }
    const [u] = await rowsOf<{ n: number }>(
      tx,
      sql`with u as (
            update ${t} set ${c} = ${survivorId} where workspace_id = ${workspaceId} and ${c} = ${mergedId}
            returning 1)
          select count(*)::int as n from u`,
    );
    if (u?.n) moved[`${ref.table}.${ref.column}`] = u.n;
  }
  return { moved, dropped };
}
