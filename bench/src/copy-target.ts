import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Where the generator writes: `COPY ... FROM` on PostgreSQL (streamed through
 * pg-copy-streams) or on PGlite (one blob per chunk). All writes of one generation run in
 * one transaction. Row-level security: COPY FROM refuses tables under RLS for a role it
 * binds, so a table owner that is not a superuser lifts FORCE for the run (restored before
 * commit, in the same transaction; a failed run rolls both back).
 */
export type CopyTarget = {
  copy(table: string, columns: readonly string[], chunks: Iterable<string>): Promise<void>;
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  commit(): Promise<void>;
  close(): Promise<void>;
};

export type CopyTargetOptions = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

export async function openCopyTarget(options: CopyTargetOptions): Promise<CopyTarget> {
  return options.kind === 'postgres' ? openPostgres(options.url) : openPglite(options.dataDir);
}

async function openPostgres(url: string): Promise<CopyTarget> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const role = await client.query<{ bypass: boolean }>(
    'select rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user',
  );
  const bypass = role.rows[0]?.bypass === true;
  const lifted: string[] = [];
  await client.query('begin');
  return {
    async copy(table, columns, chunks) {
      if (!bypass && !lifted.includes(table)) {
        await client.query(`alter table ${table} no force row level security`);
        lifted.push(table);
      }
      const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (format csv)`));
      const done = new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
      });
      for (const chunk of chunks) {
        if (!stream.write(chunk)) await new Promise((r) => stream.once('drain', r));
      }
      stream.end();
      await done;
    },
    async query(text, params) {
      return (await client.query(text, params)).rows;
    },
    async commit() {
      for (const table of lifted) await client.query(`alter table ${table} force row level security`);
      await client.query('commit');
    },
    async close() {
      await client.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<CopyTarget> {
  const db = new PGlite(dataDir);
  await db.waitReady;
  await db.query('begin');
  return {
    async copy(table, columns, chunks) {
      for (const chunk of chunks) {
        await db.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format csv)`, [], {
          blob: new Blob([chunk]),
        });
      }
    },
    async query(text, params) {
      return (await db.query(text, params)).rows as never[];
    },
    async commit() {
      await db.query('commit');
    },
    async close() {
      await db.close();
    },
  };
}

/** One CSV field for COPY: NULL is an empty unquoted field, anything else is quoted when needed. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\n\r]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvField).join(',')}\n`;
}
