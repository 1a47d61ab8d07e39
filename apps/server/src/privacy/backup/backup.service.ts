import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import { erasureLedgerState } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import type { Services } from '../../services.ts';
import { erasePerson } from '../erasure/erasure.service.ts';
import { type LedgerEvent, ledgerPath, mergeLedgers, readLedger } from './erasure-ledger.ts';

/**
 * Backups and restores (P-SEC-8). PGlite: a gzipped tarball of its data directory
 * (`dumpDataDir`), taken while the server is stopped (PGlite is one process's database).
 * PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean`; both need a
 * role that bypasses row-level security (every tenant table forces it), BACKUP_DATABASE_URL.
 * Every backup gets a copy of the erasure ledger beside it; every restore replays the
 * ledger (the live one and every copy in the backup directory) before the server serves, so
 * that nobody erased after the backup comes back.
 */
export const ZBackupEnv = z.object({
  BACKUP_DIR: z.string().min(1).optional(),
  BACKUP_DATABASE_URL: z.string().min(1).optional(),
});

export type BackupSettings = { dir: string; databaseUrl: string | null };

export function backupSettings(config: Config, env: Record<string, string | undefined> = process.env): BackupSettings {
  const e = ZBackupEnv.parse(env);
  return {
    dir: e.BACKUP_DIR ? path.resolve(e.BACKUP_DIR) : path.join(config.dataDir, 'backups'),
    databaseUrl: e.BACKUP_DATABASE_URL ?? (config.database.kind === 'postgres' ? config.database.url : null),
  };
}

const LEDGER_SUFFIX = '.erasure-ledger.jsonl';

function stamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    child.on('error', (e) => reject(new Error(`${cmd} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${err.trim().slice(0, 2000)}`)),
    );
  });
}

export type BackupResult = { file: string; ledger: string };

/** Takes one backup into `settings.dir`; the file name carries the time. */
export async function takeBackup(config: Config, settings: BackupSettings, now = new Date()): Promise<BackupResult> {
  mkdirSync(settings.dir, { recursive: true });
  let file: string;
  if (config.database.kind === 'pglite') {
    const dir = config.database.dataDir;
    if (!dir || !existsSync(dir)) throw new Error('There is no PGlite data directory to back up.');
    file = path.join(settings.dir, `tillit-pglite-${stamp(now)}.tar.gz`);
    const db = new PGlite(dir);
    try {
      await db.waitReady;
      const dump = await db.dumpDataDir('gzip');
      writeFileSync(file, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
    } finally {
      await db.close();
    }
  } else {
    if (!settings.databaseUrl) throw new Error('Set BACKUP_DATABASE_URL (or DATABASE_URL).');
    file = path.join(settings.dir, `tillit-postgres-${stamp(now)}.dump`);
    await run('pg_dump', ['--format=custom', `--file=${file}`, `--dbname=${settings.databaseUrl}`]);
  }
  const ledger = `${file}${LEDGER_SUFFIX}`;
  const live = ledgerPath(config.dataDir);
  if (existsSync(live)) copyFileSync(live, ledger);
  else writeFileSync(ledger, '', { mode: 0o600 });
  return { file, ledger };
}

/** The backups in the directory, newest first. */
export function listBackups(settings: BackupSettings): string[] {
  if (!existsSync(settings.dir)) return [];
  return readdirSync(settings.dir)
    .filter((n) => /^tillit-(pglite|postgres)-.*\.(tar\.gz|dump)$/.test(n))
    .sort()
    .reverse()
    .map((n) => path.join(settings.dir, n));
}

/**
 * Puts a backup back in place of the current database. PGlite: the current directory is
 * kept beside it (`pglite.before-restore-<time>`), not deleted. The caller then opens the
 * services (which migrates) and calls `replayErasureLedger` before serving.
 */
export async function restoreBackup(
  config: Config,
  settings: BackupSettings,
  file: string,
  now = new Date(),
): Promise<void> {
  if (!existsSync(file)) throw new Error(`No backup at ${file}.`);
  if (config.database.kind === 'pglite') {
    if (!file.endsWith('.tar.gz')) throw new Error('This instance runs on PGlite: restore a tillit-pglite-*.tar.gz.');
    const dir = config.database.dataDir;
    if (!dir) throw new Error('PGlite has no data directory configured.');
    if (existsSync(dir)) renameSync(dir, `${dir}.before-restore-${stamp(now)}`);
    const blob = new Blob([readFileSync(file)]);
    const db = new PGlite(dir, { loadDataDir: blob });
    await db.waitReady;
    await db.close();
    return;
  }
  if (!file.endsWith('.dump')) throw new Error('This instance runs on PostgreSQL: restore a tillit-postgres-*.dump.');
  if (!settings.databaseUrl) throw new Error('Set BACKUP_DATABASE_URL (or DATABASE_URL).');
  await run('pg_restore', ['--clean', '--if-exists', '--single-transaction', `--dbname=${settings.databaseUrl}`, file]);
}

/** Every ledger that may hold erasures made after the restored backup. */
export function ledgersToReplay(config: Config, settings: BackupSettings): LedgerEvent[] {
  const lists = [readLedger(ledgerPath(config.dataDir))];
  if (existsSync(settings.dir)) {
    for (const n of readdirSync(settings.dir)) {
      if (n.endsWith(LEDGER_SUFFIX)) lists.push(readLedger(path.join(settings.dir, n)));
    }
  }
  return mergeLedgers(lists);
}

export type ReplayResult = { erasedAgain: number; tombstones: number; lifts: number; skippedWorkspaces: number };

/**
 * Replays the erasure ledger after a restore (P-SEC-8), in time order: every erased person
 * who is back is erased again (system actor, no new ledger line), every tombstone is put
 * back, and lifts recorded after an erasure are applied again. Idempotent: a second run
 * finds nobody to erase and changes nothing.
 */
export async function replayErasureLedger(services: Services, events: LedgerEvent[]): Promise<ReplayResult> {
  const out: ReplayResult = { erasedAgain: 0, tombstones: 0, lifts: 0, skippedWorkspaces: 0 };
  const byWorkspace = new Map<string, LedgerEvent[]>();
  for (const e of events) byWorkspace.set(e.workspaceId, [...(byWorkspace.get(e.workspaceId) ?? []), e]);
  const db = services.database.db;
  for (const [workspaceId, list] of byWorkspace) {
    await withTenant(db, { workspaceId }, async (tx) => {
      const ws = await tx.execute(sql`select 1 from workspaces where workspace_id = ${workspaceId}`);
      if ((ws as unknown as { rows: unknown[] }).rows.length === 0) {
        out.skippedWorkspaces += 1;
        return;
      }
      for (const e of list) {
        if (e.type === 'erasure') {
          const back = await tx.execute(
            sql`select 1 from people where workspace_id = ${workspaceId} and person_id = ${e.personId}`,
          );
          if ((back as unknown as { rows: unknown[] }).rows.length > 0) {
            await erasePerson(tx, { services, workspaceId, actor: { kind: 'system' }, ledger: false }, e.personId, {
              reason: 'erased again after a restore (erasure ledger)',
              requestId: `ledger:${e.erasureId}`,
            });
            out.erasedAgain += 1;
          }
          for (const t of e.tombstones) {
            await tx.execute(sql`insert into tombstones (workspace_id, hash, kind, erasure_id, created_at)
              values (${workspaceId}, ${t.hash}, ${t.kind}, ${e.erasureId}, ${e.at}::timestamptz)
              on conflict (workspace_id, hash) do update set lifted_at = null, lifted_by = null,
                lift_consent_id = null, lift_evidence = null, erasure_id = excluded.erasure_id
              where tombstones.lifted_at is not null and tombstones.lifted_at < excluded.created_at`);
            out.tombstones += 1;
          }
        } else {
          await tx.execute(sql`update tombstones set lifted_at = ${e.at}::timestamptz,
              lift_evidence = coalesce(lift_evidence, 'lift replayed from the erasure ledger')
            where workspace_id = ${workspaceId} and hash = ${e.hash} and lifted_at is null and created_at <= ${e.at}::timestamptz`);
          out.lifts += 1;
        }
      }
    });
  }
  return out;
}

/**
 * At every start, before the server serves or a job runs (P-SEC-8): a database restored by
 * any means (`npm run restore`, an operator's `pg_restore`, a copied PGlite folder) reflects
 * fewer ledger events than the ledger holds, and the ledger is replayed. When nothing is to
 * replay this is one read of the ledger files and one comparison with the count the
 * database keeps (`erasure_ledger_state`, counted by each erasure and lift). Answers the
 * replay's result, or null when there was nothing to do.
 */
export async function replayLedgerAtStart(
  services: Services,
  settings: BackupSettings = backupSettings(services.config),
): Promise<ReplayResult | null> {
  const events = ledgersToReplay(services.config, settings);
  const db = services.database.db;
  const [state] = await db.select({ events: erasureLedgerState.events }).from(erasureLedgerState);
  if ((state?.events ?? 0) === events.length) return null;
  const result = await replayErasureLedger(services, events);
  await markLedgerReplayed(services, events.length);
  return result;
}

/** After a replay: the database now reflects `events` ledger events. */
export async function markLedgerReplayed(services: Services, events: number): Promise<void> {
  const now = services.clock.now();
  await services.database.db
    .insert(erasureLedgerState)
    .values({ id: 1, events, replayedAt: now })
    .onConflictDoUpdate({ target: erasureLedgerState.id, set: { events, replayedAt: now } });
}
