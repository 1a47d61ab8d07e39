import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or a transaction on it: repositories accept both. */
export type Queryable = Db | Tx;

export type DatabaseKind = 'pglite' | 'postgres';

/**
 * PostgreSQL's defaults (128 MB of shared buffers, 64 MB for index builds) live inside the
 * WebAssembly heap, which never gives memory back: smaller buffers keep an embedded instance
 * near what it uses; the OS page cache still holds the data files.
 */
const pgliteOptions = { postgresqlconf: ['shared_buffers = 16MB', 'maintenance_work_mem = 16MB', 'work_mem = 4MB'] };

/**
 * Creates a new PGlite data directory (initdb) in a child process that then exits: initdb's
 * WebAssembly module takes ~600 MB, and a worker thread gave back only part of it (the
 * process kept ~150 MB more than one that opened an existing directory); a process gives
 * back all of it.
 */
async function initPgliteInChild(dataDir: string): Promise<void> {
  const code = `const [url, dir, options] = process.argv.slice(1);
    const { PGlite } = await import(url);
    const db = new PGlite(dir, JSON.parse(options));
    await db.waitReady;
    await db.close();`;
  const url = import.meta.resolve('@electric-sql/pglite');
  const args = ['--input-type=module', '-e', code, url, dataDir, JSON.stringify(pgliteOptions)];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.once('error', reject);
    child.once('exit', (status, signal) => {
      if (status === 0) resolve();
      else reject(new Error(`Could not create the embedded database in ${dataDir} (${signal ?? status}): ${stderr}`));
    });
  });
}

/** A raw SQL runner for the few places that need one (migrations, pg-boss, benchmarks). */
export type RawSql = {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements, no parameters. */
  exec(text: string): Promise<void>;
};

export type Database = {
  kind: DatabaseKind;
  db: Db;
  raw: RawSql;
  /** How pg-boss reaches this database: its own pool on PostgreSQL, our connection on PGlite. */
  jobs:
    | { connectionString: string }
    | { db: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> } };
  close(): Promise<void>;
};

export type DatabaseOptions =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string | null };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 20 });
    // A broken idle connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema, casing: 'snake_case' }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      raw: {
        query: async (text, params) => {
          const r = await pool.query(text, params as unknown[] | undefined);
          return { rows: r.rows };
        },
        exec: async (text) => {
          await pool.query(text);
        },
      },
      jobs: { connectionString: options.url },
      close: () => pool.end(),
    };
  }
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await initPgliteInChild(options.dataDir);
  }
  const client = options.dataDir ? new PGlite(options.dataDir, pgliteOptions) : new PGlite(pgliteOptions);
  await client.waitReady;
  const db = drizzlePglite(client, { schema, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    raw: {
      query: async <R>(text: string, params?: unknown[]) => {
        const r = await client.query<R>(text, params as unknown[] | undefined);
        return { rows: r.rows };
      },
      exec: async (text) => {
        await client.exec(text);
      },
    },
    jobs: {
      db: {
        // PGlite takes parameters only for a single statement; pg-boss's schema scripts
        // are several statements without parameters.
        executeSql: async (text, values) => {
          if (values && values.length > 0) return client.query(text, values);
          const results = await client.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        },
      },
    },
    close: () => client.close(),
  };
}
