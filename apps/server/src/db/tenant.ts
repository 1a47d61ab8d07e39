import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.ts';

/** The role every tenant transaction runs as: not a superuser, not a table owner, so
 *  PostgreSQL's row-level security applies to it (see rls.ts). */
export const APP_ROLE = 'tillit_app';

export type TenantContext = { workspaceId: string; userId?: string | null };

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
