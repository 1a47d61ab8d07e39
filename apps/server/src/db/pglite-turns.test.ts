import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yieldBeforeEachTurn } from './pglite-turns.ts';

// The embedded database is PGlite whichever database the suite runs on: these tests open their own.
describe('PGlite gives the event loop a turn between two holds of the engine', () => {
  let plain: PGlite;
  let yielding: PGlite;
  beforeAll(async () => {
    plain = new PGlite();
    yielding = new PGlite();
    yieldBeforeEachTurn(yielding);
    for (const db of [plain, yielding]) await db.query('create table t (id int)');
  });
  afterAll(async () => {
    await plain.close();
    await yielding.close();
  });

  /** Runs `total` transactions back to back; how many had finished when a timer set before them fired. */
  async function finishedWhenTimerFired(db: PGlite, total: number): Promise<number | null> {
    let finished = 0;
    let seen: number | null = null;
    setTimeout(() => {
      seen = finished;
    }, 0);
    for (let i = 0; i < total; i++) {
      await db.transaction(async (tx) => {
        await tx.query('insert into t select generate_series(1, 2000)');
      });
      finished += 1;
    }
    return seen;
  }

  it('without it, a timer waits until a run of transactions has ended (the starvation this fixes)', async () => {
    expect(await finishedWhenTimerFired(plain, 20)).toBeNull();
  });

  it('with it, a timer fires while a run of transactions goes on', async () => {
    const seen = await finishedWhenTimerFired(yielding, 20);
    expect(seen).not.toBeNull();
    expect(seen).toBeLessThan(5);
  });

  it('queries, exec and transactions still answer as before', async () => {
    await yielding.exec('insert into t values (-1); insert into t values (-2)');
    const { rows } = await yielding.query<{ n: number }>('select count(*)::int as n from t where id < $1', [0]);
    expect(rows[0]?.n).toBe(2);
    const inTx = await yielding.transaction(async (tx) => (await tx.query<{ one: number }>('select 1 as one')).rows[0]);
    expect(inTx?.one).toBe(1);
  });
});
