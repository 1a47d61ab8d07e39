import { sql } from 'drizzle-orm';
import { NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres';
import { PgliteSession, PgliteTransaction } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Db, Tx } from './client.ts';
import { type EmbeddedClient, isEmbeddedWorkerClient } from './pglite-remote.ts';

/** The role every tenant transaction runs as: not a superuser, not a table owner, so
 *  PostgreSQL's row-level security applies to it (see rls.ts). */
export const APP_ROLE = 'tillit_app';

export type TenantContext = {
  workspaceId: string;
  userId?: string | null;
  /** A transaction the request opened with its sign-in check (see `HeldTransaction`). */
  held?: HeldTransaction | null | undefined;
};

/**
 * A transaction a request opened together with its authentication, in one message
 * (auth/request-auth.ts `fastRequestAuth` with `hold`): BEGIN, the session/membership check,
 * then the tenant settings and the role of `withTenant`, taken from the check's own answer.
 * The first `withTenant` for that workspace and user runs in it instead of opening one (a
 * round trip fewer); a snapshot transaction cannot (its isolation must be set first) and
 * rolls it back. Whatever is not taken is rolled back when the response is sent
 * (`releaseHeld`), so a connection is never left in a transaction.
 */
export type HeldTransaction = {
  client: pg.PoolClient;
  workspaceId: string;
  userId: string;
  state: 'open' | 'taken' | 'closed';
};

/** Rolls back and returns to the pool a held transaction nobody took (idempotent). */
export async function releaseHeld(held: HeldTransaction | null | undefined): Promise<void> {
  if (held?.state !== 'open') return;
  held.state = 'closed';
  try {
    await held.client.query('rollback');
    held.client.release();
  } catch {
    held.client.release(true);
  }
}

/** `snapshot`: a read-only REPEATABLE READ transaction, so that every statement sees the same
 *  snapshot (under the default READ COMMITTED each statement sees what committed before it,
 *  and a page assembled from several reads can mix two states). Works on PGlite too. */
export type TenantOptions = { snapshot?: boolean };

/**
 * Runs `fn` in a transaction scoped to one workspace: the transaction switches to the
 * application role and sets `app.workspace_id` (and `app.user_id`), so that row-level
 * security hides every other workspace's rows even if a query forgets its own filter.
 */
export async function withTenant<T>(
  db: Db,
  ctx: TenantContext,
  fn: (tx: Tx) => Promise<T>,
  options: TenantOptions = {},
): Promise<T> {
  const held = ctx.held;
  if (held?.state === 'open') {
    if (!options.snapshot && held.workspaceId === ctx.workspaceId && held.userId === ctx.userId) {
      held.state = 'taken';
      return inClient(db, held.client, fn);
    }
    await releaseHeld(held);
  }
  const client = (db as unknown as { $client?: unknown }).$client;
  const ids = UUID.test(ctx.workspaceId) && (!ctx.userId || UUID.test(ctx.userId));
  if (client instanceof pg.Pool && ids) return onePoolClient(db, client, ctx, fn, options);
  if (isEmbeddedWorkerClient(client) && ids) return embeddedTransaction(db, client, ctx, fn, options);
  return db.transaction(
    async (tx) => {
      await tx.execute(
        sql`select set_config('app.workspace_id', ${ctx.workspaceId}, true), set_config('app.user_id', ${ctx.userId ?? ''}, true), set_config('role', ${APP_ROLE}, true)`,
      );
      return fn(tx as Tx);
    },
    options.snapshot ? { isolationLevel: 'repeatable read', accessMode: 'read only' } : undefined,
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statements each transaction of `onePoolClient` sends with its COMMIT. */
const atCommit = new WeakMap<Tx, string[]>();

/**
 * Where the transaction can take a statement to send with its COMMIT, as one simple-protocol
 * message (one round trip for both): a function that queues the text, else null (nested
 * transactions, drizzle's own, an embedded engine in this thread). The text takes no parameters: every value in it must be
 * written with `literal`. The statement runs last in the transaction, atomically with it: if
 * it fails, nothing of the transaction is committed and the error is the transaction's.
 * Only for writes nothing later in the transaction reads (the access-log row of a read).
 */
export function sendWithCommit(tx: Tx): ((text: string) => void) | null {
  const queued = atCommit.get(tx);
  return queued ? (text) => queued.push(text) : null;
}

/** A value written into the text of a statement sent with `sendWithCommit` (node-postgres's
 *  own quoting: doubled quotes, and E'' with doubled backslashes when there are any). */
export function literal(value: string | null): string {
  return value === null ? 'null' : pg.escapeLiteral(value);
}

/**
 * The same transaction on PostgreSQL with one round trip fewer: BEGIN and the settings go to
 * the server as one simple-protocol message (which takes no parameters, so the ids are
 * written into it, and only after they proved to be UUIDs). Every tenant transaction pays
 * this, so a GET that used to be BEGIN, the settings, its reads and COMMIT saves a quarter
 * of its round trips. Statements inside run through drizzle as in any transaction (savepoints
 * included); the client goes back to the pool at the end, whatever happened.
 */
async function onePoolClient<T>(
  db: Db,
  pool: pg.Pool,
  ctx: TenantContext,
  fn: (tx: Tx) => Promise<T>,
  options: TenantOptions,
): Promise<T> {
  const client = await pool.connect();
  const begin = options.snapshot ? 'begin isolation level repeatable read read only' : 'begin';
  try {
    await client.query(`${begin}; ${settingsText(ctx)}`);
  } catch (error) {
    client.release(true);
    throw error;
  }
  return inClient(db, client, fn);
}

/** The tenant settings and the role, as a statement without parameters (the ids proved UUIDs). */
function settingsText(ctx: TenantContext): string {
  return `select set_config('app.workspace_id', '${ctx.workspaceId}', true), set_config('app.user_id', '${ctx.userId ?? ''}', true), set_config('role', '${APP_ROLE}', true)`;
}

/**
 * The same transaction on the embedded engine's thread (pglite-remote.ts) with two messages
 * fewer: the settings go with BEGIN and the statements queued by `sendWithCommit` with the
 * COMMIT, as on PostgreSQL. A transaction holds the one engine from its BEGIN to its end, so
 * every message between the two threads it saves is time the engine is free for others.
 */
async function embeddedTransaction<T>(
  db: Db,
  client: EmbeddedClient,
  ctx: TenantContext,
  fn: (tx: Tx) => Promise<T>,
  options: TenantOptions,
): Promise<T> {
  const settings = settingsText(ctx);
  const queued: string[] = [];
  const base = db as unknown as { dialect: never; session: { schema: never; options: never } };
  return client.transaction(
    async (etx) => {
      const session = new PgliteSession(etx as never, base.dialect, base.session.schema, base.session.options);
      const tx = new PgliteTransaction(base.dialect, session, base.session.schema) as unknown as Tx;
      atCommit.set(tx, queued);
      return fn(tx);
    },
    {
      first: options.snapshot ? `set transaction isolation level repeatable read read only; ${settings}` : settings,
      last: () => (queued.length > 0 ? queued.join(';\n') : null),
    },
  );
}

/**
 * Runs `fn` in the transaction open on `client` (BEGIN and the settings already sent), then
 * COMMIT with the statements queued by `sendWithCommit`, or ROLLBACK if `fn` failed. Statements
 * inside run through drizzle as in any transaction (savepoints included). The client goes
 * back to the pool at the end only if its transaction ended cleanly; any other goes away.
 */
async function inClient<T>(db: Db, client: pg.PoolClient, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // Without drizzle's relational schema: building its query builders for every table was 2 % of
  // the server's CPU on GET person, once per transaction, and no transaction uses `tx.query`
  // (a test on PostgreSQL would fail at once if one did).
  const base = db as unknown as { dialect: never; session: { options: never } };
  const session = new NodePgSession(client, base.dialect, undefined, base.session.options);
  const tx = new NodePgTransaction(base.dialect, session, undefined) as unknown as Tx;
  let clean = false;
  try {
    const queued: string[] = [];
    atCommit.set(tx, queued);
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await client.query('rollback');
      clean = true;
      throw error;
    }
    if (queued.length === 0) {
      await client.query('commit');
    } else {
      try {
        // A failed statement skips the rest of the message: the COMMIT is never run.
        await client.query(`${queued.join(';\n')};\ncommit`);
      } catch (error) {
        await client.query('rollback');
        clean = true;
        throw error;
      }
    }
    clean = true;
    return result;
  } finally {
    client.release(clean ? undefined : true);
  }
}

/**
 * A transaction for directory questions asked before a workspace is chosen ("which
 * workspaces is this user a member of?"). Row-level security then shows only the user's own
 * membership rows and their workspaces.
 */
export async function withUser<T>(db: Db, userId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.workspace_id', '', true), set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`,
    );
    return fn(tx as Tx);
  });
}

/** For maintenance jobs: lists workspaces (and nothing else of theirs) so that a job can
 *  then visit each with `withTenant`. */
export async function withSystemScope<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('app.workspace_id', '', true), set_config('app.user_id', '', true), set_config('app.scope', 'system', true), set_config('role', ${APP_ROLE}, true)`,
    );
    return fn(tx as Tx);
  });
}
