import { Worker } from 'node:worker_threads';

/**
 * The embedded database's engine (PGlite: PostgreSQL compiled to WebAssembly) in a worker
 * thread, so that its statements do not run on the thread that accepts connections, reads
 * requests and writes responses. In the server's own thread a statement blocked everything
 * else while it ran: under 50 concurrent list requests connections waited up to ~0.8 s to be
 * accepted (bench README, session 7's trace), and nothing else ran on the second core.
 *
 * `openPgliteWorker` gives the part of PGlite's interface Tillit uses (`query`, `exec`,
 * `transaction`, `close`); each call is one message each way (`pglite-worker.mjs`). A
 * transaction is opened in the worker and holds its engine until the caller ends it, as
 * in PGlite itself: top-level statements of other callers wait for it there.
 */

export type EmbeddedField = { name: string; dataTypeID: number };
export type EmbeddedResults<R> = { rows: R[]; fields: EmbeddedField[]; affectedRows?: number };
/** PGlite's query options that Tillit (and drizzle) pass. */
export type EmbeddedQueryOptions = {
  rowMode?: 'array' | 'object';
  /** By type OID; run in the caller's thread on PostgreSQL's text of the value. */
  parsers?: Record<number, (text: string, typeId: number) => unknown>;
};
export type EmbeddedTransaction = {
  query<R = Record<string, unknown>>(
    text: string,
    params?: unknown[],
    options?: EmbeddedQueryOptions,
  ): Promise<EmbeddedResults<R>>;
  exec(text: string): Promise<EmbeddedResults<Record<string, unknown>>[]>;
  rollback(): Promise<void>;
  readonly closed: boolean;
};
/**
 * Statements a transaction sends with its first and last messages instead of on their own (a
 * round trip each fewer, while the transaction holds the engine): `first` runs right after
 * BEGIN (the tenant settings), `last` is asked for at the commit and runs just before it (the
 * access-log row of a read). Both are texts without parameters; if either fails, the whole
 * transaction is rolled back and the error is the transaction's.
 */
export type EmbeddedTransactionOptions = { first?: string; last?: () => string | null };
export type EmbeddedClient = Omit<EmbeddedTransaction, 'rollback'> & {
  transaction<T>(fn: (tx: EmbeddedTransaction) => Promise<T>, options?: EmbeddedTransactionOptions): Promise<T>;
  close(): Promise<void>;
};

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: Record<string, unknown> };
type Ready = { ready: true } | { ready: false; error: Record<string, unknown> };

/** Where the worker's script is: beside this module in src/db, and beside the bundle in dist. */
const pgliteWorkerScript = new URL('./pglite-worker.mjs', import.meta.url);

/** An error as PostgreSQL reported it in the worker (code, constraint, detail, ...), thrown here. */
function rebuildError(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message ?? 'The embedded database failed'));
  const { message: _message, ...rest } = fields;
  return Object.assign(error, rest);
}

/** The clients `openPgliteWorker` made (they take `EmbeddedTransactionOptions`; PGlite's own
 *  `transaction` would ignore them). */
const workerClients = new WeakSet<object>();

export function isEmbeddedWorkerClient(value: unknown): value is EmbeddedClient {
  return typeof value === 'object' && value !== null && workerClients.has(value);
}

export async function openPgliteWorker(dataDir: string | null, options: object): Promise<EmbeddedClient> {
  const worker = new Worker(pgliteWorkerScript, {
    workerData: { dataDir, options },
    // The thread's own V8 heap: its young generation need not be the default 16 MB semi-spaces
    // (what it allocates is each message's copy and each result's rows, short-lived). Measured
    // with `npm start` idle, 2 cores: 283-293 MB with 4 MB against 293-305 MB by default over
    // 6 starts each; GET, list page and import throughput the same within run-to-run noise.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  const calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 1;
  let nextTx = 1;
  let stopped: Error | null = null;
  let closed = false;
  // The thread keeps the process alive only while a call or a transaction waits on it, so a
  // script that forgets to close does not hang, and one that awaits a call is not cut short.
  let holds = 0;
  const hold = () => {
    if (holds++ === 0) worker.ref();
  };
  const release = () => {
    if (--holds === 0) worker.unref();
  };

  const stop = (error: Error) => {
    if (stopped) return;
    stopped = error;
    for (const call of calls.values()) call.reject(error);
    calls.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => {
      worker.off('message', first);
      reject(error);
    };
    const first = (m: Ready) => {
      worker.off('error', failed);
      if (m.ready) resolve();
      else {
        void worker.terminate();
        reject(rebuildError(m.error));
      }
    };
    worker.once('message', first);
    worker.once('error', failed);
  });
  worker.on('message', (m: Reply) => {
    const call = calls.get(m.id);
    if (!call) return;
    calls.delete(m.id);
    if (m.ok) call.resolve(m.value);
    else call.reject(rebuildError(m.error));
  });
  worker.on('error', (error) => stop(new Error(`The embedded database stopped: ${error.message}`)));
  worker.on('exit', (code) => stop(new Error(`The embedded database stopped (its thread exited with ${code}).`)));
  worker.unref();

  function call<T>(message: Record<string, unknown>): Promise<T> {
    // Once closing, only a transaction already begun may go on (to its end): the worker's
    // close waits for it.
    const inBegunTransaction = message.tx !== undefined && message.op !== 'begin';
    if (closed && message.op !== 'close' && !inBegunTransaction) {
      return Promise.reject(new Error('The embedded database is closed.'));
    }
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    hold();
    return new Promise<T>((resolve, reject) => {
      calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id });
    }).finally(release);
  }

  async function query<R>(
    text: string,
    params: unknown[] | undefined,
    options: EmbeddedQueryOptions | undefined,
    tx: number | undefined,
  ): Promise<EmbeddedResults<R>> {
    const parsers = options?.parsers;
    const textTypes = parsers ? Object.keys(parsers).map(Number) : [];
    const r = await call<EmbeddedResults<R>>({
      op: 'query',
      sql: text,
      params: params ?? [],
      rowMode: options?.rowMode,
      text: textTypes,
      tx,
    });
    if (parsers && textTypes.length > 0) applyParsers(r, parsers, options?.rowMode ?? 'object');
    return r;
  }

  const client: EmbeddedClient = {
    query: (text, params, options) => query(text, params, options, undefined),
    exec: (text) => call({ op: 'exec', sql: text }),
    async transaction<T>(
      fn: (tx: EmbeddedTransaction) => Promise<T>,
      options?: EmbeddedTransactionOptions,
    ): Promise<T> {
      const id = nextTx++;
      hold();
      try {
        await call({ op: 'begin', tx: id, ...(options?.first ? { sql: options.first } : {}) });
        let ended = false;
        const end = async (commit: boolean) => {
          ended = true;
          const last = commit ? options?.last?.() : null;
          await call({ op: 'end', tx: id, commit, ...(last ? { sql: last } : {}) });
        };
        const guard = () => {
          if (ended) throw new Error('Transaction is closed');
        };
        const tx: EmbeddedTransaction = {
          query: async (text, params, options) => {
            guard();
            return query(text, params, options, id);
          },
          exec: async (text) => {
            guard();
            return call({ op: 'exec', sql: text, tx: id });
          },
          rollback: async () => {
            guard();
            await end(false);
          },
          get closed() {
            return ended;
          },
        };
        let value: T;
        try {
          value = await fn(tx);
        } catch (error) {
          if (!ended) await end(false).catch(() => {});
          throw error;
        }
        if (!ended) await end(true);
        return value;
      } finally {
        release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
    // Closed by its owner, or its thread stopped.
    get closed() {
      return closed || stopped !== null;
    },
  };
  workerClients.add(client);
  return client;
}

/** Runs the caller's parsers on the values the worker left as text. */
function applyParsers(
  r: EmbeddedResults<unknown>,
  parsers: NonNullable<EmbeddedQueryOptions['parsers']>,
  rowMode: 'array' | 'object',
): void {
  const columns = r.fields
    .map((field, index) => ({ field, index, parse: parsers[field.dataTypeID] }))
    .filter((c) => c.parse !== undefined);
  if (columns.length === 0) return;
  for (const row of r.rows as (unknown[] | Record<string, unknown>)[]) {
    for (const { field, index, parse } of columns) {
      if (rowMode === 'array') {
        const values = row as unknown[];
        const v = values[index];
        if (typeof v === 'string') values[index] = parse?.(v, field.dataTypeID);
      } else {
        const values = row as Record<string, unknown>;
        const v = values[field.name];
        if (typeof v === 'string') values[field.name] = parse?.(v, field.dataTypeID);
      }
    }
  }
}
