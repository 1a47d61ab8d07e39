import { sql } from 'drizzle-orm';
import type { Tx } from './client.ts';

/** A text[] (or uuid[], timestamptz[], ...) parameter as one array literal, NULL for null. */
export function arrayParam(list: readonly (string | number | boolean | null)[]): string {
  return `{${list
    .map((v) => (v === null ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`))
    .join(',')}}`;
}

/**
 * Inserts rows as one `insert ... select from unnest(...)`: one array parameter per column,
 * whatever the row count. (Built by drizzle as multi-row VALUES, a batch of 1,000 people
 * spent most of its CPU building the statements: see bench/import/README.md.) For columns
 * of scalar types only: unnest flattens an array of arrays.
 */
export async function insertUnnest(
  tx: Tx,
  table: string,
  columns: [name: string, type: string][],
  rows: (string | number | boolean | null)[][],
): Promise<void> {
  if (!rows.length) return;
  const params = columns.map(([, type], i) => sql`${arrayParam(rows.map((r) => r[i] ?? null))}::${sql.raw(type)}[]`);
  await tx.execute(
    sql`insert into ${sql.identifier(table)} (${sql.raw(columns.map(([c]) => `"${c}"`).join(', '))})
        select * from unnest(${sql.join(params, sql`, `)})`,
  );
}
