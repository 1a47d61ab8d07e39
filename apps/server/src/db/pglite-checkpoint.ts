/**
 * PGlite runs PostgreSQL in single-user mode: there is no checkpointer process, so nothing
 * acts on `max_wal_size` or `checkpoint_timeout`, and every WAL segment written since the
 * database opened stays until `close()` (measured: 120 transactions of 50,000 rows grew
 * pg_wal to 2.3 GB with max_wal_size at 1 GB). A long-running embedded Tillit would fill its
 * disk, and a crash would replay all of it. This does the checkpointer's job: it looks at the
 * WAL written since the last checkpoint's redo point and runs CHECKPOINT when that passes
 * `thresholdBytes`, or when any WAL is older than `maxAgeMs`. After a checkpoint PostgreSQL
 * removes or recycles the segments before the redo point, keeping at most `max_wal_size`
 * (set low in `pgliteOptions`).
 */

/** The part of PGlite this needs: queries wait for an open transaction (PGlite's own mutex). */
export type CheckpointTarget = {
  query<R>(text: string): Promise<{ rows: R[] }>;
  readonly closed: boolean;
};

export type CheckpointPolicy = {
  /** How often the WAL since the redo point is looked at. */
  everyMs: number;
  /** Checkpoint once this much WAL has been written since the last one. */
  thresholdBytes: number;
  /** Checkpoint anything written this long ago (PostgreSQL's checkpoint_timeout). */
  maxAgeMs: number;
};

export const defaultCheckpointPolicy: CheckpointPolicy = {
  everyMs: 15_000,
  thresholdBytes: 64 * 1024 * 1024,
  maxAgeMs: 5 * 60_000,
};

export type Checkpointer = {
  /** One look (and a checkpoint if due); resolves with whether one ran. */
  tick(): Promise<boolean>;
  /** Stops the timer and waits for a look under way. */
  stop(): Promise<void>;
  readonly checkpoints: number;
};

export function startCheckpointer(
  db: CheckpointTarget,
  policy: CheckpointPolicy = defaultCheckpointPolicy,
  now: () => number = Date.now,
  warn: (message: string) => void = (m) => console.warn(m),
): Checkpointer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let stopped = false;
  let checkpoints = 0;
  // When WAL was first seen past the redo point since the last checkpoint.
  let dirtySince: number | undefined;

  async function look(): Promise<boolean> {
    if (db.closed) return false;
    const { rows } = await db.query<{ since: string }>(
      `select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::bigint::text as since
         from pg_control_checkpoint()`,
    );
    const since = Number(rows[0]?.since ?? 0);
    // A checkpoint record itself follows the redo point; a few hundred bytes is "nothing new".
    if (since <= 1024) {
      dirtySince = undefined;
      return false;
    }
    dirtySince ??= now();
    if (since < policy.thresholdBytes && now() - dirtySince < policy.maxAgeMs) return false;
    if (db.closed) return false;
    await db.query('checkpoint');
    checkpoints += 1;
    dirtySince = undefined;
    return true;
  }

  function tick(): Promise<boolean> {
    running ??= look().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      tick()
        .catch((error: unknown) => {
          if (!db.closed) warn(`Embedded database checkpoint failed: ${(error as Error).message}`);
        })
        .finally(schedule);
    }, policy.everyMs);
    timer.unref();
  }
  schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
    get checkpoints() {
      return checkpoints;
    },
  };
}
