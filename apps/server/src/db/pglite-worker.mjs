// @ts-check
// The embedded database's engine in its own thread (see pglite-remote.ts, which starts this
// worker and speaks to it). Plain JavaScript so that Node.js loads it as it is, from src/ under
// the tests and from dist/ (copied by build.mjs) in the built server.
//
// Messages in: { id, op: 'query' | 'exec' | 'begin' | 'end' | 'close', tx?, ... }.
// Messages out: { id, ok: true, value } or { id, ok: false, error }, and once { ready } at start.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

if (!parentPort) throw new Error('pglite-worker.mjs runs as a worker thread');
const port = parentPort;

/** @type {{ dataDir: string | null, options: Record<string, unknown> }} */
const { dataDir, options } = workerData;

/** The fields of PostgreSQL's error report that callers look at (never functions or options). */
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
];

/** @param {unknown} e */
function describeError(e) {
  const error = /** @type {Record<string, unknown>} */ (e && typeof e === 'object' ? e : {});
  /** @type {Record<string, unknown>} */
  const out = { message: typeof error.message === 'string' ? error.message : String(e) };
  if (typeof error.name === 'string') out.name = error.name;
  for (const key of ERROR_FIELDS) {
    const value = error[key];
    if (value !== undefined && typeof value !== 'function' && typeof value !== 'object') out[key] = value;
  }
  return out;
}

/** @param {string} text */
const asText = (text) => text;

/** @param {{ rowMode?: 'array' | 'object', text?: number[] }} m */
function queryOptions(m) {
  /** @type {{ rowMode?: 'array' | 'object', parsers?: Record<number, (text: string) => unknown> }} */
  const o = {};
  if (m.rowMode) o.rowMode = m.rowMode;
  // Types the caller parses itself (in its own thread) arrive as PostgreSQL's text.
  if (m.text && m.text.length > 0) {
    o.parsers = {};
    for (const oid of m.text) o.parsers[oid] = asText;
  }
  return o;
}

/** @param {{ rows: unknown[], fields: unknown[], affectedRows?: number }} r */
const result = (r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows });

/**
 * @typedef {{ tx: import('@electric-sql/pglite').Transaction | null,
 *   finish: (end: { commit: boolean, sql?: string }) => void, done: Promise<void> }} Entry
 */
/**
 * Open transactions by the caller's id. PGlite runs a transaction as a callback that holds its
 * engine: here the callback waits until the caller sends `end`, and the caller's statements
 * in between run on its `tx`.
 * @type {Map<number, Entry>}
 */
const open = new Map();

/** @type {PGlite} */
let db;

/** Messages being handled (not counting `close`). */
let inflight = 0;
/** How long `close` waits for statements under way and open transactions to end. */
const CLOSE_GRACE_MS = 5_000;

/**
 * PGlite's `close` does not wait for a statement under way: one that was waiting between two
 * of its steps never finished, and its transaction never ended. So `close` waits until every
 * message sent before it is answered and every open transaction has ended (their owners may
 * still send statements: the caller lets a begun transaction finish), at most
 * CLOSE_GRACE_MS; then what is still open is rolled back.
 */
async function closeWhenIdle() {
  const deadline = Date.now() + CLOSE_GRACE_MS;
  while ((inflight > 0 || open.size > 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const entry of open.values()) entry.finish({ commit: false });
  await Promise.allSettled([...open.values()].map((entry) => entry.done));
  await db.close();
}

/** @param {{ tx?: number }} m */
function on(m) {
  if (m.tx === undefined) return db;
  const t = open.get(m.tx)?.tx;
  if (!t) throw new Error(`There is no open transaction ${m.tx}.`);
  return t;
}

/**
 * A statement of `query` runs as a prepared statement: the first time its text comes,
 * `PREPARE p AS <text>`, then (that time and every later one) `EXECUTE p(<arguments>)`, each one
 * simple-protocol call. PGlite's
 * own `query` speaks the extended protocol, five calls into the engine per statement (parse,
 * describe, bind, describe, execute, then sync), and parses and plans the text every time:
 * measured in PGlite 0.5 (one thread, no load), a primary-key SELECT took 197-220 us through
 * `query` and 83 us as one simple-protocol call, and a page of 50 people with their parts
 * 7.2-8.7 ms against 4.9 ms prepared. The first use prepares (one call more), later ones
 * only execute. The arguments are written as literals, so only values
 * whose text does not depend on the parameter's type qualify (strings, numbers, booleans,
 * dates, null); a statement with any other value (bytes, arrays, objects) takes `query`, as
 * do statements PREPARE does not take (only SELECT, INSERT, UPDATE, DELETE, WITH, VALUES) and
 * texts with a semicolon (PREPARE would take the first statement and run the rest).
 * The text is not changed: the server infers the parameters' types as it does for `query`.
 * Prepared statements belong to the session and survive a rollback; the least recently used
 * beyond MAX_PREPARED are deallocated.
 */
const PREPARABLE = /^\s*(select|insert|update|delete|with|values)\b/i;
const MAX_PREPARED = 256;
/** Statement text -> its prepared statement's name, least recently used first. */
const prepared = new Map();
let nextPrepared = 1;

/** @param {unknown} v */
function literalOf(v) {
  if (v === null || v === undefined) return 'NULL';
  let text;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number' || typeof v === 'bigint') text = String(v);
  else if (typeof v === 'boolean') text = v ? 't' : 'f';
  else if (v instanceof Date) text = v.toISOString();
  else return undefined;
  // PostgreSQL's quoting (as node-postgres's escapeLiteral): quotes doubled, and E'' with
  // backslashes doubled when there are any, whatever standard_conforming_strings says.
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

/**
 * The error of a statement's `PREPARE p AS <text>` as `query` gives it: a position inside the
 * text counted from the text's start.
 * @param {unknown} e @param {number} start @param {number} length
 */
function asStatementError(e, start, length) {
  const error = /** @type {Record<string, unknown>} */ (e && typeof e === 'object' ? e : {});
  const at = Number(error.position);
  if (Number.isFinite(at) && at > 0) {
    if (at > start && at <= start + length) error.position = String(at - start);
    else delete error.position;
  }
  return e;
}

/**
 * `query` through a prepared statement (see above), or undefined when the statement or its
 * values do not qualify.
 * @param {import('@electric-sql/pglite').PGlite | import('@electric-sql/pglite').Transaction} target
 * @param {{ sql: string, params?: unknown[], rowMode?: 'array' | 'object', text?: number[] }} m
 */
async function preparedQuery(target, m) {
  if (!PREPARABLE.test(m.sql) || m.sql.includes(';')) return undefined;
  const args = (m.params ?? []).map(literalOf);
  if (args.some((a) => a === undefined)) return undefined;
  let name = prepared.get(m.sql);
  /** A second statement of the same text, prepared by a message that raced this one. */
  let spare = null;
  if (name) {
    prepared.delete(m.sql);
    prepared.set(m.sql, name);
  } else {
    if (prepared.size >= MAX_PREPARED) {
      const [oldest, oldName] = prepared.entries().next().value;
      prepared.delete(oldest);
      await target.exec(`deallocate ${oldName}`);
    }
    name = `tillit_p${nextPrepared++}`;
    const prefix = `prepare ${name} as `;
    try {
      await target.exec(`${prefix}${m.sql}`);
    } catch (error) {
      throw asStatementError(error, prefix.length, m.sql.length);
    }
    if (prepared.has(m.sql)) spare = name;
    else prepared.set(m.sql, name);
  }
  try {
    const execute = args.length > 0 ? `execute ${name}(${args.join(', ')})` : `execute ${name}`;
    const results = await target.exec(execute, queryOptions(m));
    return result(/** @type {any} */ (results.at(-1)));
  } finally {
    if (spare) await target.exec(`deallocate ${spare}`).catch(() => {});
  }
}

/** @param {any} m */
async function handle(m) {
  switch (m.op) {
    case 'query': {
      const target = on(m);
      const fast = await preparedQuery(target, m);
      return fast ?? result(await target.query(m.sql, m.params, queryOptions(m)));
    }
    case 'exec':
      return (await on(m).exec(m.sql)).map(result);
    case 'begin':
      // `sql` (optional, no parameters): statements run first in the transaction, in the same
      // message (the tenant settings): if they fail, the transaction is rolled back and the
      // begin fails with their error.
      return new Promise((begun, failed) => {
        /** @type {(end: { commit: boolean, sql?: string }) => void} */
        let finish = () => {};
        /** @type {Promise<{ commit: boolean, sql?: string }>} */
        const finished = new Promise((resolve) => {
          finish = resolve;
        });
        /** @type {Entry} */
        const entry = { tx: null, finish, done: Promise.resolve() };
        open.set(m.tx, entry);
        entry.done = db.transaction(async (tx) => {
          if (typeof m.sql === 'string' && m.sql) await tx.exec(m.sql);
          entry.tx = tx;
          begun(null);
          const end = await finished;
          if (!end.commit) {
            if (!tx.closed) await tx.rollback();
            return;
          }
          // Statements sent with the commit run last: if one fails, PGlite rolls the whole
          // transaction back and `end` answers with that error.
          if (end.sql) await tx.exec(end.sql);
        });
        // BEGIN or its first statements failed: the transaction never opened for the caller.
        entry.done.catch((error) => {
          if (!entry.tx) {
            open.delete(m.tx);
            failed(error);
          }
        });
      });
    case 'end': {
      const entry = open.get(m.tx);
      if (!entry) throw new Error(`There is no open transaction ${m.tx}.`);
      entry.finish({ commit: Boolean(m.commit), sql: typeof m.sql === 'string' ? m.sql : undefined });
      try {
        await entry.done;
      } finally {
        open.delete(m.tx);
      }
      return null;
    }
    case 'close':
      await closeWhenIdle();
      return null;
    default:
      throw new Error(`Unknown operation ${m.op}`);
  }
}

try {
  db = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await db.waitReady;
  /** @param {number} id @param {unknown} error */
  const refuse = (id, error) => port.postMessage({ id, ok: false, error: describeError(error) });
  port.on('message', (m) => {
    const counted = m.op !== 'close';
    if (counted) inflight += 1;
    handle(m)
      .finally(() => {
        if (counted) inflight -= 1;
      })
      .then(
        (value) => {
          try {
            port.postMessage({ id: m.id, ok: true, value });
          } catch (error) {
            // A value the structured clone cannot carry: the caller gets an error, not silence.
            refuse(m.id, error);
          }
        },
        (error) => refuse(m.id, error),
      );
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: describeError(error) });
}
