import { createHash } from 'node:crypto';
import { fillPlaceholders, Placeholder, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Tx } from './client.ts';
import { literal } from './tenant.ts';

/**
 * Named (server-side prepared) statements for the hottest reads. PostgreSQL parses and plans
 * an unnamed statement at every execution; a statement with a name is parsed once per
 * connection and its plan can be reused. For the read of one person with its emails,
 * phones, tags, categories, companies and custom fields (six subqueries under row-level
 * security) planning was most of the cost: measured on PostgreSQL 15, 2 cores under load,
 * BEGIN + that read + COMMIT went from 549 to 925 per second with a name.
 *
 * The name is a digest of the statement's text, so one text always has one name (node-postgres
 * refuses one name for two texts) and a change of the text is a new statement. Use it only for
 * statements whose text takes few shapes (values are parameters, never part of the text):
 * each connection keeps every statement it has prepared. PGlite takes the name and ignores it.
 */
export function statementName(text: string): string {
  return `t_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

type Internals = {
  dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
  session: {
    prepareQuery(
      q: { sql: string; params: unknown[] },
      fields: undefined,
      name: string,
      arrayMode: boolean,
    ): { execute(): Promise<unknown> };
  };
};

async function runNamed<R>(tx: Tx, q: { sql: string; params: unknown[] }): Promise<R[]> {
  const t = tx as unknown as Internals;
  const result = await t.session.prepareQuery(q, undefined, statementName(q.sql), false).execute();
  return (result as { rows: R[] }).rows;
}

/**
 * `query` as a named statement: for a hot statement built per request whose text still takes
 * few shapes (the search's round trips: which parts a query needs decides the text, every
 * value is a parameter), so PostgreSQL parses and plans each shape once per connection.
 */
export async function rowsNamed<R>(tx: Tx, query: SQL): Promise<R[]> {
  return runNamed<R>(tx, (tx as unknown as Internals).dialect.sqlToQuery(query));
}

/**
 * A statement whose text is built once (per `key`) with `sql.placeholder(...)` where the
 * values go, then run as a named statement with the values filled in. For the hottest reads:
 * building a statement with drizzle (walking its chunks, checking each one's kind) cost more
 * of the server's CPU than anything else of ours in a profile of GET person.
 */
export function cachedStatement(build: (key: string) => SQL) {
  const texts = new Map<string, { sql: string; params: unknown[] }>();
  const textOf = (tx: Tx, key: string) => {
    let q = texts.get(key);
    if (!q) {
      q = (tx as unknown as Internals).dialect.sqlToQuery(build(key));
      texts.set(key, q);
    }
    return q;
  };
  const run = async <R>(tx: Tx, key: string, values: Record<string, unknown>): Promise<R[]> => {
    const q = textOf(tx, key);
    return runNamed<R>(tx, { sql: q.sql, params: fillPlaceholders(q.params, values) });
  };
  /** The same statement with its values written in as literals, for a message that takes no
   *  parameters (tenant.ts `sendWithCommit`). The text's only `$` are its placeholders (it is
   *  built here, values never in it). */
  const inlined = (tx: Tx, key: string, values: Record<string, unknown>): string => {
    const q = textOf(tx, key);
    const params = fillPlaceholders(q.params, values);
    return q.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const v = params[Number(n) - 1];
      return literal(v === null || v === undefined ? null : String(v));
    });
  };
  /** The statement's text with each placeholder written as the SQL expression `names` gives
   *  for it (a PL/pgSQL variable, say), for a server-side function that runs the same read
   *  (modules/people/people.get-once.ts). Every value must be a placeholder. */
  const rendered = (key: string, names: Record<string, string>): string => {
    const q = renderDialect.sqlToQuery(build(key));
    return q.sql.replace(/\$(\d+)/g, (_, n: string) => {
      const p = q.params[Number(n) - 1];
      const name = p instanceof Placeholder ? names[p.name] : undefined;
      if (name === undefined) throw new Error(`cachedStatement.rendered: no expression for parameter $${n}`);
      return name;
    });
  };
  return Object.assign(run, { inlined, rendered });
}

/** Renders statements outside a transaction with the settings the databases are opened with. */
const renderDialect = new PgDialect({ casing: 'snake_case' });
