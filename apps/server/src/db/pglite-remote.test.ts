import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedClient, openPgliteWorker } from './pglite-remote.ts';

// The embedded database is PGlite whichever database the suite runs on: these tests open their own.
describe('PGlite in a worker thread', () => {
  let client: EmbeddedClient;
  beforeAll(async () => {
    client = await openPgliteWorker(null, {});
    await client.exec('create table t (id int primary key, v text not null)');
  });
  afterAll(async () => {
    await client.close();
  });

  /** How many 5 ms timer ticks this thread ran while `work` ran. */
  async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 5);
    try {
      await work();
    } finally {
      clearInterval(timer);
    }
    return ticks;
  }
  const LONG = 'select count(*) from generate_series(1, 3000000) g where g % 7 = 3';

  it('runs statements off this thread: timers fire while a long statement runs, and did not in this thread', async () => {
    const inThread = new PGlite();
    try {
      await inThread.query('select 1');
      const started = performance.now();
      expect(await ticksDuring(() => inThread.query(LONG))).toBe(0);
      const took = performance.now() - started;
      const ticks = await ticksDuring(() => client.query(LONG));
      // The same statement took `took` ms in this thread; in the worker this thread kept running.
      expect(took).toBeGreaterThan(100);
      expect(ticks).toBeGreaterThan(5);
    } finally {
      await inThread.close();
    }
  });

  it('commits a transaction, rolls back one that throws or calls rollback', async () => {
    await client.transaction(async (tx) => {
      await tx.query('insert into t values ($1, $2)', [1, 'kept']);
    });
    await expect(
      client.transaction(async (tx) => {
        await tx.query('insert into t values ($1, $2)', [2, 'thrown']);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await client.transaction(async (tx) => {
      await tx.query('insert into t values ($1, $2)', [3, 'rolled back']);
      await tx.rollback();
      expect(tx.closed).toBe(true);
      await expect(tx.query('select 1')).rejects.toThrow('Transaction is closed');
    });
    const { rows } = await client.query<{ id: number; v: string }>('select id, v from t order by id');
    expect(rows).toEqual([{ id: 1, v: 'kept' }]);
  });

  it('a top-level statement waits for an open transaction, as in PGlite itself', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const order: string[] = [];
    const tx = client.transaction(async (t) => {
      await t.query('insert into t values (10, $1)', ['in transaction']);
      await held;
      order.push('commit');
    });
    await new Promise((r) => setTimeout(r, 20));
    const outside = client.query<{ n: number }>('select count(*)::int as n from t where id = 10').then((r) => {
      order.push('outside');
      return r.rows[0]?.n;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    release();
    await tx;
    expect(await outside).toBe(1);
    expect(order).toEqual(['commit', 'outside']);
  });

  it("keeps PostgreSQL's error fields (code, constraint, detail) and leaves nothing half-written", async () => {
    const error = await client
      .transaction(async (tx) => {
        await tx.query('insert into t values (20, $1)', ['first']);
        await tx.query('insert into t values (1, $1)', ['duplicate']);
      })
      .catch((e: unknown) => e as Record<string, unknown>);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 't_pkey', table: 't' });
    expect(String((error as Record<string, unknown>).detail)).toContain('(id)=(1)');
    const { rows } = await client.query('select 1 from t where id = 20');
    expect(rows).toEqual([]);
    await expect(client.query('select nope from t')).rejects.toMatchObject({ code: '42703' });
  });

  it("returns PostgreSQL's values, and runs the caller's parsers in this thread on the text", async () => {
    const seen: number[] = [];
    const parsers = {
      1184: (text: string, typeId: number) => {
        seen.push(typeId);
        return `parsed ${text}`;
      },
    };
    const sql = `select '2026-01-02 03:04:05+00'::timestamptz as at, '\\x0102'::bytea as b, '{"a":[1,2]}'::jsonb as j,
                        null::timestamptz as none, 'x' as s, 42 as n`;
    const objects = await client.query<Record<string, unknown>>(sql, [], { parsers });
    expect(objects.rows[0]).toMatchObject({
      at: 'parsed 2026-01-02 03:04:05+00',
      j: { a: [1, 2] },
      none: null,
      s: 'x',
      n: 42,
    });
    expect(Array.from(objects.rows[0]?.b as Uint8Array)).toEqual([1, 2]);
    const arrays = await client.query<unknown[]>(sql, [], { rowMode: 'array', parsers });
    expect(arrays.rows[0]?.[0]).toBe('parsed 2026-01-02 03:04:05+00');
    expect(arrays.fields.map((f) => f.name)).toEqual(['at', 'b', 'j', 'none', 's', 'n']);
    expect(seen).toEqual([1184, 1184]);
    // Without parsers, PGlite's own parsing (in the worker): a Date.
    const plain = await client.query<{ at: Date }>(`select '2026-01-02 03:04:05+00'::timestamptz as at`);
    expect(plain.rows[0]?.at).toEqual(new Date('2026-01-02T03:04:05Z'));
    // Parameters cross too: bytes, dates.
    const echoed = await client.query<{ b: Uint8Array; d: Date }>('select $1::bytea as b, $2::timestamptz as d', [
      Buffer.from([7, 8]),
      new Date('2026-03-04T05:06:07Z'),
    ]);
    expect(Array.from(echoed.rows[0]?.b ?? [])).toEqual([7, 8]);
    expect(echoed.rows[0]?.d).toEqual(new Date('2026-03-04T05:06:07Z'));
  });

  it('runs `first` inside the transaction right after BEGIN; if it fails, nothing opens and the engine is free', async () => {
    const seen = await client.transaction(
      async (tx) => (await tx.query<{ v: string }>(`select current_setting('app.probe', true) as v`)).rows[0]?.v,
      { first: `select set_config('app.probe', 'set first', true)` },
    );
    expect(seen).toBe('set first');
    // Local to that transaction: gone after its commit.
    const after = await client.query<{ v: string | null }>(`select current_setting('app.probe', true) as v`);
    expect(after.rows[0]?.v ?? '').toBe('');

    let ran = false;
    const error = await client
      .transaction(
        async () => {
          ran = true;
        },
        { first: `insert into t values (30, 'first'); select nope` },
      )
      .catch((e: unknown) => e as Record<string, unknown>);
    expect(error).toMatchObject({ code: '42703' });
    expect(ran).toBe(false);
    // Rolled back (the insert before the failing statement too), and nothing holds the engine.
    const { rows } = await client.query('select 1 from t where id = 30');
    expect(rows).toEqual([]);
  });

  it('runs `last` just before the commit, not on rollback; if it fails, the whole transaction is rolled back', async () => {
    await client.transaction(
      async (tx) => {
        await tx.query('insert into t values (40, $1)', ['body']);
      },
      { last: () => `insert into t values (41, 'with the commit')` },
    );
    let asked = 0;
    await expect(
      client.transaction(
        async (tx) => {
          await tx.query('insert into t values (42, $1)', ['thrown']);
          throw new Error('no');
        },
        {
          last: () => {
            asked += 1;
            return `insert into t values (43, 'never')`;
          },
        },
      ),
    ).rejects.toThrow('no');
    expect(asked).toBe(0);
    const failed = await client
      .transaction(
        async (tx) => {
          await tx.query('insert into t values (44, $1)', ['body of a failed commit']);
          return 'answered';
        },
        // The first insert of `last` runs, the second fails: neither it nor the body stays.
        { last: () => `insert into t values (45, 'partial'); insert into t values (40, 'duplicate')` },
      )
      .catch((e: unknown) => e as Record<string, unknown>);
    expect(failed).toMatchObject({ code: '23505', constraint: 't_pkey' });
    const { rows } = await client.query<{ id: number }>('select id from t where id between 40 and 49 order by id');
    expect(rows.map((r) => r.id)).toEqual([40, 41]);
  });

  it('runs a statement with parameters as a prepared statement: the same answers, values exactly as given, errors as before', async () => {
    const preparedFor = async (text: string) =>
      (
        await client.query<{ n: number }>(
          'select count(*)::int as n from pg_prepared_statements where statement like $1',
          [`%${text}%`],
        )
      ).rows[0]?.n;
    const text = 'select $1::text as v, $2::int + 1 as n, $3::boolean as b, $4::timestamptz as at, $5::text as none';
    const tricky = "it's a \\ back\\slash, 'quoted' and $1";
    const args = [tricky, 41, true, new Date('2026-03-04T05:06:07Z'), null];
    const first = await client.query(text, args);
    const second = await client.query(text, args);
    expect(first.rows).toEqual([{ v: tricky, n: 42, b: true, at: new Date('2026-03-04T05:06:07Z'), none: null }]);
    expect(second.rows).toEqual(first.rows);
    expect(await preparedFor('$2::int + 1 as n')).toBe(1);
    // Values a literal cannot carry without their type (bytes, arrays) take PGlite's own path.
    const bytes = await client.query<{ b: Uint8Array; a: number[] }>('select $1::bytea as b, $2::int[] as a', [
      Buffer.from([0, 39, 92]),
      [1, 2],
    ]);
    expect(Array.from(bytes.rows[0]?.b ?? [])).toEqual([0, 39, 92]);
    expect(bytes.rows[0]?.a).toEqual([1, 2]);
    expect(await preparedFor('$1::bytea as b')).toBe(0);
    // An error in the text keeps its code and its position in the text.
    await expect(client.query('select nope from t where id = $1', [1])).rejects.toMatchObject({
      code: '42703',
      position: '8',
    });
    // Two statements in one text are refused as before (never half-run).
    await expect(client.query('select $1::int; insert into t values (50, $2)', [1, 'x'])).rejects.toThrow();
    expect((await client.query('select 1 from t where id = 50')).rows).toEqual([]);
    // Rows written and counted as through `query`.
    const written = await client.query('insert into t values ($1, $2), ($3, $4)', [51, 'a', 52, 'b']);
    expect(written.affectedRows).toBe(2);
    // The least recently used beyond 256 are deallocated.
    for (let i = 0; i < 300; i++) await client.query(`select $1::int + ${i} as n`, [i]);
    const held = await client.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements');
    expect(held.rows[0]?.n).toBeLessThanOrEqual(256);
    expect((await client.query<{ n: number }>('select $1::int + 299 as n', [1])).rows[0]?.n).toBe(300);
  });

  it('exec runs several statements and returns each result', async () => {
    const results = await client.exec('select 1 as a; select 2 as b');
    expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it('refuses calls once closed', async () => {
    const other = await openPgliteWorker(null, {});
    await other.close();
    expect(other.closed).toBe(true);
    await expect(other.query('select 1')).rejects.toThrow(/closed/);
  });

  it('close waits for statements sent before it and lets a begun transaction finish; it refuses new work', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillit-remote-close-'));
    try {
      const db = await openPgliteWorker(dir, {});
      await db.exec('create table c (n int)');
      let closing: Promise<void> | undefined;
      let second: Promise<void> | undefined;
      await db.transaction(async (tx) => {
        await tx.query('insert into c values (1)');
        // Another caller's transaction, asked for before the close: it waits for this one.
        second = db.transaction(async (t) => {
          await t.query('insert into c values (3)');
        });
        await new Promise((r) => setTimeout(r, 20));
        closing = db.close();
        await expect(db.query('select 1')).rejects.toThrow(/closed/);
        await expect(db.transaction(async () => {})).rejects.toThrow(/closed/);
        await tx.query('insert into c values (2)');
      });
      await second;
      await closing;
      const again = await openPgliteWorker(dir, {});
      expect((await again.query<{ n: number }>('select n from c order by n')).rows).toEqual([
        { n: 1 },
        { n: 2 },
        { n: 3 },
      ]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close rolls back a transaction that does not end within its grace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillit-remote-close-'));
    try {
      const db = await openPgliteWorker(dir, {});
      await db.exec('create table c (n int)');
      let begun: () => void = () => {};
      const inside = new Promise<void>((r) => {
        begun = r;
      });
      const stuck = db.transaction(async (tx) => {
        await tx.query('insert into c values (1)');
        begun();
        await new Promise(() => {});
      });
      await inside;
      const started = performance.now();
      await db.close();
      expect(performance.now() - started).toBeGreaterThan(4_000);
      void stuck.catch(() => {});
      const again = await openPgliteWorker(dir, {});
      expect((await again.query('select n from c')).rows).toEqual([]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a script that awaits a call is not cut short, and one that never closes still exits', async () => {
    const url = new URL('./pglite-remote.ts', import.meta.url).href;
    const code = `const { openPgliteWorker } = await import(${JSON.stringify(url)});
      const db = await openPgliteWorker(null, {});
      await new Promise((r) => setTimeout(r, 10));
      const { rows } = await db.query('select 41 + 1 as n');
      console.log(rows[0].n);`;
    const dir = mkdtempSync(path.join(tmpdir(), 'tillit-remote-'));
    const script = path.join(dir, 'script.mjs');
    writeFileSync(script, code);
    const out = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the script did not exit'));
      }, 20_000);
      child.once('exit', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout });
      });
    });
    rmSync(dir, { recursive: true, force: true });
    expect(out).toEqual({ status: 0, stdout: '42\n' });
  });
});
