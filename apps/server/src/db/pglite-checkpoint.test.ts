import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './client.ts';
import { type CheckpointTarget, startCheckpointer } from './pglite-checkpoint.ts';

// The embedded database is PGlite whichever database the suite runs on: these tests open their own.
const dir = mkdtempSync(path.join(tmpdir(), 'tillit-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function walBytes(dataDir: string): number {
  const wal = path.join(dataDir, 'pg_wal');
  return readdirSync(wal)
    .filter((f) => /^[0-9A-F]{24}$/.test(f))
    .reduce((sum, f) => sum + statSync(path.join(wal, f)).size, 0);
}

describe('embedded database checkpoints', () => {
  it('keeps pg_wal bounded while it runs, and what was written survives a reopen', async () => {
    const dataDir = path.join(dir, 'bounded');
    const database = await openDatabase({
      kind: 'pglite',
      dataDir,
      checkpoint: { everyMs: 10, thresholdBytes: 16 * 1024 * 1024 },
    });
    const lsn = async () =>
      (
        await database.raw.query<{ insert: string; redo: string }>(
          `select pg_current_wal_insert_lsn()::text as insert, redo_lsn::text as redo from pg_control_checkpoint()`,
        )
      ).rows[0];
    const written = async (from: string) =>
      Number(
        (
          await database.raw.query<{ bytes: string }>(
            `select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1::pg_lsn)::bigint::text as bytes`,
            [from],
          )
        ).rows[0]?.bytes,
      );
    try {
      const start = await lsn();
      await database.raw.exec('create table wal_probe (id int, v text)');
      // ~13 MB of WAL per statement, 400 MB in all; the checkpointer's look waits its turn
      // behind each statement (PGlite runs one at a time) and gets in between them.
      for (let i = 0; i < 30; i++) {
        await database.raw.query(`insert into wal_probe select g, repeat('x', 200) from generate_series(1, 50000) g`);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const total = await written(start?.insert ?? '0/0');
      const end = await lsn();
      expect(total).toBeGreaterThan(350 * 1024 * 1024);
      // The redo point moved on: checkpoints ran while the database was open.
      expect(end?.redo).not.toBe(start?.redo);
      // Without them, pg_wal holds every byte written since the start (measured: >400 MB here).
      // With them, at most max_wal_size (128 MB) of recycled segments plus what is past the redo point.
      expect(walBytes(dataDir)).toBeLessThanOrEqual(128 * 1024 * 1024 + 48 * 1024 * 1024);
      expect(walBytes(dataDir)).toBeLessThan(total / 2);
    } finally {
      await database.close();
    }
    const reopened = await openDatabase({ kind: 'pglite', dataDir });
    try {
      const { rows } = await reopened.raw.query<{ n: number }>('select count(*)::int as n from wal_probe');
      expect(rows[0]?.n).toBe(30 * 50000);
    } finally {
      await reopened.close();
    }
  }, 300_000);

  it('checkpoints past the threshold or when WAL is older than the age limit, and not when nothing is new', async () => {
    let since = 0;
    const sent: string[] = [];
    let time = 0;
    const target: CheckpointTarget = {
      closed: false,
      query: async <R>(text: string) => {
        sent.push(text.startsWith('checkpoint') ? 'checkpoint' : 'look');
        if (text.startsWith('checkpoint')) since = 200;
        return { rows: [{ since: String(since) }] as R[] };
      },
    };
    const checkpointer = startCheckpointer(
      target,
      { everyMs: 3_600_000, thresholdBytes: 1000_000, maxAgeMs: 60_000 },
      () => time,
    );
    try {
      expect(await checkpointer.tick()).toBe(false); // only the checkpoint record past the redo point
      since = 5_000; // a little written: not yet due
      expect(await checkpointer.tick()).toBe(false);
      time = 59_999;
      expect(await checkpointer.tick()).toBe(false);
      time = 60_000; // written a minute ago: due by age
      expect(await checkpointer.tick()).toBe(true);
      since = 2_000_000; // past the threshold: due at once
      expect(await checkpointer.tick()).toBe(true);
      expect(checkpointer.checkpoints).toBe(2);
      expect(sent.filter((s) => s === 'checkpoint')).toHaveLength(2);
    } finally {
      await checkpointer.stop();
    }
  });

  it('a failed look is reported and the next one still runs', async () => {
    const warnings: string[] = [];
    let looks = 0;
    const target: CheckpointTarget = {
      closed: false,
      query: async <R>() => {
        looks += 1;
        if (looks === 1) throw new Error('disk full');
        return { rows: [{ since: '0' }] as R[] };
      },
    };
    const checkpointer = startCheckpointer(target, { everyMs: 5, thresholdBytes: 1, maxAgeMs: 1 }, Date.now, (m) =>
      warnings.push(m),
    );
    try {
      await expect.poll(() => looks, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
      expect(warnings).toEqual(['Embedded database checkpoint failed: disk full']);
    } finally {
      await checkpointer.stop();
    }
    const after = looks;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(looks).toBe(after); // stopped: no more looks
  });
});
