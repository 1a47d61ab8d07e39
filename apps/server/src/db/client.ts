import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { type CheckpointPolicy, defaultCheckpointPolicy, startCheckpointer } from './pglite-checkpoint.ts';
import { type EmbeddedClient, openPgliteWorker } from './pglite-remote.ts';
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
export const pgliteOptions = {
  postgresqlconf: [
    'shared_buffers = 16MB',
    'maintenance_work_mem = 16MB',
    'work_mem = 4MB',
    // What a checkpoint leaves in pg_wal (pglite-checkpoint.ts runs them): the default 1 GB
    // would keep up to 1 GB of recycled segments on an embedded install's disk.
    'max_wal_size = 128MB',
    'min_wal_size = 32MB',
  ],
};

/** The installed PGlite's version: a data directory is only readable by the PostgreSQL that wrote it. */
export function pgliteVersion(): string {
  const pkg = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/**
 * Where the built server finds the PGlite template (`pglite-template.ts`: an empty, migrated
 * data directory made at build time): beside the bundle, named by the PGlite version. A new
 * data directory is unpacked from it; without it (from source, another PGlite) initdb runs.
 */
export function pgliteTemplateFile(dir = path.dirname(fileURLToPath(import.meta.url))): string {
  return path.join(dir, `pglite-template-${pgliteVersion()}.tar.gz`);
}

/**
 * Unpacks a gzipped tar made by PGlite's `dumpDataDir` (ustar: directories and regular files)
 * into `dir`. Done here rather than by PGlite's `loadDataDir`, which passes every file through
 * the WebAssembly heap: measured ~150 MB more resident and ~2 s more CPU on a first start.
 * PG_VERSION is written last, so an interrupted unpack is not taken for a data directory.
 */
export function unpackTar(file: string, dir: string): void {
  const packed = readFileSync(file);
  // One output chunk as large as the tar (gzip keeps its size in the last 4 bytes), of at
  // least 64 MB so that it is its own mapping: zlib's default 16 KB chunks left ~50 MB of
  // freed malloc heap resident after the unpack (measured: 93 vs 43 MB after a GC).
  const size = packed.length >= 4 ? packed.readUInt32LE(packed.length - 4) : 0;
  const tar = gunzipSync(packed, { chunkSize: Math.max(64 * 1024 * 1024, size + 1) });
  const text = (from: number, length: number) => {
    const bytes = tar.subarray(from, from + length);
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? length : end).toString('utf8');
  };
  let last: { target: string; body: Buffer } | null = null;
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = text(at, 100);
    if (!name) break;
    const prefix = text(at + 345, 155);
    const size = Number.parseInt(text(at + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[at + 156] ?? 0);
    const relative = path.normalize((prefix ? `${prefix}/${name}` : name).replace(/^\/+/, ''));
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`Unsafe path in ${file}: ${name}`);
    const target = path.join(dir, relative);
    const body = tar.subarray(at + 512, at + 512 + size);
    if (type === '5') mkdirSync(target, { recursive: true, mode: 0o700 });
    else if (type === '0' || type === '\0') {
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      if (relative === 'PG_VERSION') last = { target, body };
      else writeFileSync(target, body, { mode: 0o600 });
    } else throw new Error(`Unexpected entry type '${type}' in ${file}: ${name}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  if (!last) throw new Error(`${file} holds no PostgreSQL data directory (no PG_VERSION).`);
  writeFileSync(last.target, last.body, { mode: 0o600 });
}

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
  /** `name`: run as a named statement (see named.ts) on PostgreSQL; PGlite ignores it. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<{ rows: R[] }>;
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
  | { kind: 'pglite'; dataDir: string | null; checkpoint?: Partial<CheckpointPolicy> };

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
        query: async (text, params, name) => {
          const r = await pool.query(name ? { name, text, values: params } : { text, values: params });
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
    if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      const template = pgliteTemplateFile();
      if (existsSync(template)) unpackTar(template, options.dataDir);
      else await initPgliteInChild(options.dataDir);
    }
  }
  // The engine runs in its own thread (pglite-remote.ts): requests are accepted, read and
  // answered while it works.
  const client = await openPgliteWorker(options.dataDir, pgliteOptions);
  return pgliteDatabase(client, options.checkpoint);
}

/** The `Database` over an open PGlite, in a worker thread (`openDatabase`) or in this one (the
 *  template build opens its own), with the checkpoints PGlite's single-user PostgreSQL does
 *  not run itself (pglite-checkpoint.ts). */
export function pgliteDatabase(client: EmbeddedClient | PGlite, checkpoint: Partial<CheckpointPolicy> = {}): Database {
  const checkpointer = startCheckpointer(client, { ...defaultCheckpointPolicy, ...checkpoint });
  const db = drizzlePglite({ client: client as PGlite, schema, casing: 'snake_case' }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    raw: {
      query: async <R>(text: string, params?: unknown[]) => {
        const r = await (client as EmbeddedClient).query<R>(text, params as unknown[] | undefined);
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
    close: async () => {
      await checkpointer.stop();
      await client.close();
    },
  };
}
