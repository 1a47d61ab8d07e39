import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite runs PostgreSQL in this thread, one caller at a time (its own FIFO mutex). A statement
 * blocks the event loop while it runs, and the mutex hands over from one caller to the next by
 * resolving a promise, so the event loop gets no turn while callers are queued, and work that
 * goes from one transaction straight to the next never gives it one either. Measured: a
 * `setTimeout(0)` did not fire during 50 back-to-back transactions (4.3 s); the bench's poll of
 * an import was not even read while the import's search postings were written (5.6 s of
 * batches, so it saw the postings "0.0 s after the import"). While the event loop waits, no
 * request is read, no timer fires and no response is flushed.
 *
 * This makes every top-level `query`, `exec` and `transaction` wait for one turn of the event
 * loop (`setImmediate`) before it queues for the engine, so sockets and timers run between two
 * holds of the engine. Statements inside a transaction do not wait (the transaction holds the
 * engine; waiting there would only hold it longer).
 */
export function yieldBeforeEachTurn(client: PGlite): void {
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  const transaction = client.transaction.bind(client);
  client.query = (async (...args: Parameters<PGlite['query']>) => {
    await nextTurn();
    return query(...args);
  }) as PGlite['query'];
  client.exec = async (...args: Parameters<PGlite['exec']>) => {
    await nextTurn();
    return exec(...args);
  };
  client.transaction = (async (...args: Parameters<PGlite['transaction']>) => {
    await nextTurn();
    return transaction(...args);
  }) as PGlite['transaction'];
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
