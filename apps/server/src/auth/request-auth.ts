import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import pg from 'pg';
import { statementName } from '../db/named.ts';
import { APP_ROLE, type HeldTransaction, literal, releaseHeld } from '../db/tenant.ts';
import type { SignedIn } from '../http/auth-context.ts';
import type { Services } from '../services.ts';
import { storedSessionToken } from './protected-adapter.ts';

/**
 * The common case of a signed-in request, answered in one round trip to the database:
 * the session cookie's signature is checked here (HMAC-SHA256 with better-auth's secret,
 * the format better-auth writes: `<token>.<base64 signature>`), then
 * `tillit_request_auth` (db/request-auth.ts) reads the session, its user, the membership
 * and the permission override together.
 *
 * It answers only when the outcome is the one better-auth's `getSession` would give without
 * writing anything: a valid signature, a session that exists, has not expired and is not
 * due for its refresh (better-auth extends a session once `updateAge` has passed since it
 * was last extended, and sets a new cookie), and a user not deleted. In every other case it
 * says `fallback`, and the caller asks better-auth, which then behaves exactly as before
 * (refuses, cleans up, or refreshes). Times are compared with the real clock, as
 * better-auth's are.
 */

export type FastAuth = SignedIn & {
  /** With `hold`, on PostgreSQL: the transaction this check opened, for the request's first
   *  `withTenant` (db/tenant.ts `HeldTransaction`); the caller releases it if it refuses. */
  held?: HeldTransaction;
  /** The workspace asked for (else the session's active one) and the user's standing in it. */
  membership: {
    workspaceId: string | null;
    role: string | null;
    requireTwoFactor: boolean;
    /** The workspace's override of the permission asked for; null when it keeps the default. */
    allowed: boolean | null;
  };
};

export type CookieSettings = { name: string; key: Buffer; expiresInMs: number; updateAgeMs: number };

const settings = new WeakMap<Services, Promise<CookieSettings>>();

export function cookieSettings(services: Services): Promise<CookieSettings> {
  let s = settings.get(services);
  if (!s) {
    s = services.auth.$context.then((ctx) => ({
      name: ctx.authCookies.sessionToken.name,
      key: Buffer.from(ctx.secret, 'utf8'),
      expiresInMs: ctx.sessionConfig.expiresIn * 1000,
      updateAgeMs: ctx.sessionConfig.updateAge * 1000,
    }));
    settings.set(services, s);
  }
  return s;
}

/** The session token a signed cookie value carries, or null when it is absent or forged. */
export function verifySignedToken(value: string | undefined, key: Buffer): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf('.');
  if (dot < 1) return null;
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  if (signature.length !== 44 || !signature.endsWith('=')) return null;
  const given = Buffer.from(signature, 'base64');
  const expected = createHmac('sha256', key).update(token, 'utf8').digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return token;
}

const AUTH_QUERY = 'select * from tillit_request_auth($1, $2::uuid, $3, $4)';
const AUTH_QUERY_NAME = statementName(AUTH_QUERY);

export type RequestAuthRow = {
  session_id: string;
  user_id: string;
  session_expires_at: Date | string;
  active_workspace_id: string | null;
  email: string;
  name: string;
  email_verified: boolean;
  two_factor_enabled: boolean;
  is_instance_admin: boolean;
  user_deleted_at: Date | string | null;
  workspace_id: string | null;
  role: string | null;
  require_two_factor: boolean | null;
  allowed: boolean | null;
};

export async function fastRequestAuth(
  services: Services,
  request: FastifyRequest,
  workspaceId: string | null,
  permission: { object: string; action: string } | null,
  options: { hold?: boolean } = {},
): Promise<FastAuth | 'fallback'> {
  const s = await cookieSettings(services);
  const token = verifySignedToken(request.cookies?.[s.name], s.key);
  if (!token) return 'fallback';
  const stored = storedSessionToken(services.keys, token);
  const pool = (services.database.db as unknown as { $client?: unknown }).$client;
  if (options.hold && pool instanceof pg.Pool) return heldAuth(pool, s, token, stored, workspaceId, permission);
  const { rows } = await services.database.raw.query<RequestAuthRow>(
    AUTH_QUERY,
    [stored, workspaceId, permission?.object ?? null, permission?.action ?? null],
    AUTH_QUERY_NAME,
  );
  return answer(rows[0], s, token);
}

/** The answer better-auth would give without writing, or `fallback` (see the top); `now`
 *  is the real clock, given by a caller that asked the database the same question at it. */
export function answer(
  r: RequestAuthRow | undefined,
  s: CookieSettings,
  token: string,
  now = Date.now(),
): FastAuth | 'fallback' {
  if (!r || r.user_deleted_at) return 'fallback';
  const expiresAt = new Date(r.session_expires_at).getTime();
  if (expiresAt < now || expiresAt - s.expiresInMs + s.updateAgeMs <= now) return 'fallback';
  return {
    user: {
      id: r.user_id,
      email: r.email,
      name: r.name,
      emailVerified: r.email_verified,
      twoFactorEnabled: Boolean(r.two_factor_enabled),
      isInstanceAdmin: Boolean(r.is_instance_admin),
    },
    session: { id: r.session_id, token, activeWorkspaceId: r.active_workspace_id },
    membership: {
      workspaceId: r.workspace_id,
      role: r.role,
      requireTwoFactor: Boolean(r.require_two_factor),
      allowed: r.allowed,
    },
  };
}

/**
 * The same check as the first statement of a transaction that stays open for the request
 * (one message: BEGIN, the check, and `withTenant`'s settings and role taken from the check's
 * own row, so they name the workspace and user it answered for). The simple protocol takes no
 * parameters: the values are written as literals. Anything but a usable answer with a
 * workspace rolls back and returns the connection.
 */
async function heldAuth(
  pool: pg.Pool,
  s: CookieSettings,
  token: string,
  stored: string,
  workspaceId: string | null,
  permission: { object: string; action: string } | null,
): Promise<FastAuth | 'fallback'> {
  const client = await pool.connect();
  const held: HeldTransaction = { client, workspaceId: '', userId: '', state: 'open' };
  try {
    const results = (await client.query(
      `begin; select a.*, set_config('app.workspace_id', coalesce(a.workspace_id::text, ''), true),
        set_config('app.user_id', a.user_id::text, true), set_config('role', '${APP_ROLE}', true)
      from tillit_request_auth(${literal(stored)}, ${literal(workspaceId)}::uuid, ${literal(permission?.object ?? null)}, ${literal(permission?.action ?? null)}) a`,
    )) as unknown as pg.QueryResult<RequestAuthRow>[];
    const fast = answer(results[1]?.rows[0], s, token);
    if (fast === 'fallback' || !fast.membership.workspaceId) {
      await releaseHeld(held);
      return fast;
    }
    held.workspaceId = fast.membership.workspaceId;
    held.userId = fast.user.id;
    return { ...fast, held };
  } catch (error) {
    await releaseHeld(held);
    throw error;
  }
}
