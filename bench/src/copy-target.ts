import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pgliteOptions } from '../../apps/server/src/db/client.ts';
import { defaultCheckpointPolicy, startCheckpointer } from '../../apps/server/src/db/pglite-checkpoint.ts';

/**
 * Where the generator writes: `COPY ... FROM` on PostgreSQL (streamed through
 * pg-copy-streams) or on PGlite (one blob per chunk). All writes of one generation run in
 * one transaction. Row-level security: COPY FROM refuses tables under RLS for a role it
 * binds, so a table owner that is not a superuser lifts FORCE for the run (restored before
 * commit, in the same transaction; a failed run rolls both back).
 *
 * PGlite's single-user PostgreSQL has no checkpointer: nothing would ever remove a WAL segment
 * while the generator writes (at full scale pg_wal reached 14 GB of a 22 GB data directory).
 * The PGlite target runs the server's checkpoint rule (apps/server/src/db/pglite-checkpoint.ts:
 * CHECKPOINT once 64 MB of WAL were written since the last one) after every COPY chunk and
 * every other statement, inside the one transaction: a checkpoint needs no commit, and
 * PostgreSQL then removes the segments before its redo point (an open transaction holds none;
 * measured in PGlite: pg_wal stayed at 112 MB through six 300,000-row inserts of one
 * transaction with a CHECKPOINT after each, and grew to 576 MB without). It opens PGlite with the server's
 * WAL limits (max_wal_size: what a checkpoint leaves in pg_wal) but PostgreSQL's default
 * buffers, since this is one bulk load, not a long-running embedded server. PostgreSQL's own
 * checkpointer does the same during the transaction there.
 */
export type CopyTarget = {
  copy(table: string, columns: readonly string[], chunks: Iterable<string>): Promise<void>;
  /**
   * For rows consistent by construction: the rest of the transaction checks no foreign keys
   * (`session_replication_role = replica`, as pg_restore loads data; the tables written here
   * have no triggers but the foreign keys' own). Only a superuser may; otherwise nothing
   * changes.
   */
  skipForeignKeyChecks(): Promise<void>;
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
  const role = await client.query<{ superuser: boolean; bypass: boolean }>(
    'select rolsuper as superuser, rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user',
  );
  const superuser = role.rows[0]?.superuser === true;
  const bypass = role.rows[0]?.bypass === true;
  const lifted: string[] = [];
  await client.query('begin');
  return {
    async skipForeignKeyChecks() {
      if (superuser) await client.query('set local session_replication_role = replica');
    },
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

/** The server's WAL limits only: its small buffers (16 MB) are for an idle embedded server. */
const WAL_LIMITS = { postgresqlconf: pgliteOptions.postgresqlconf.filter((line) => line.includes('wal_size')) };

async function openPglite(dataDir: string): Promise<CopyTarget> {
  const db = new PGlite(dataDir, WAL_LIMITS);
  await db.waitReady;
  // Its timer is not needed (every statement asks); the age rule neither (a generation is one burst).
  const checkpointer = startCheckpointer(db, {
    everyMs: 2 ** 31 - 1,
    thresholdBytes: defaultCheckpointPolicy.thresholdBytes,
    maxAgeMs: Number.POSITIVE_INFINITY,
  });
  await db.query('begin');
  return {
    async skipForeignKeyChecks() {
      // PGlite's one user is a superuser.
      await db.query('set local session_replication_role = replica');
    },
    async copy(table, columns, chunks) {
      for (const chunk of chunks) {
        await db.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format csv)`, [], {
          blob: new Blob([chunk]),
        });
        await checkpointer.tick();
      }
    },
    async query(text, params) {
      const rows = (await db.query(text, params)).rows as never[];
      await checkpointer.tick();
      return rows;
    },
    async commit() {
      await db.query('commit');
    },
    async close() {
      await checkpointer.stop();
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
