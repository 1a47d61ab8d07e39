import { and, eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { type FastAuth, fastRequestAuth } from '../auth/request-auth.ts';
import { members, type WorkspaceRole, workspaces } from '../db/schema/index.ts';
import { type HeldTransaction, releaseHeld, withTenant } from '../db/tenant.ts';
import { AppError, forbidden, unauthenticated } from '../lib/errors.ts';
import { authenticateApiKey } from '../modules/api-keys/api-keys.service.ts';
import { bearerOf } from '../modules/api-keys/api-keys.token.ts';
import type { Services } from '../services.ts';
import { toFetchHeaders } from './request-headers.ts';

export type SignedIn = {
  user: {
    id: string;
    email: string;
    name: string;
    emailVerified: boolean;
    twoFactorEnabled: boolean;
    isInstanceAdmin: boolean;
  };
  session: { id: string; token: string; activeWorkspaceId: string | null };
};

/** An API key acting in its workspace (see modules/api-keys): its id and scopes. */
export type ApiKeyPrincipal = { id: string; scopes: readonly string[] };

/** `apiKey` is set when a bearer API key (not a session) made the request; `user` is then
 *  the member who created the key, and `role` the key's role (never above theirs). */
export type InWorkspace = SignedIn & {
  workspaceId: string;
  role: WorkspaceRole;
  apiKey?: ApiKeyPrincipal | null;
  /** When the check asked for a permission: the workspace's override of it for this role
   *  (null: it keeps the default), read in the same round trip as the membership. */
  permissionOverride?: boolean | null;
  /** With `hold`: the transaction the check opened, for the request's first `withTenant`. */
  held?: HeldTransaction;
};

const ROLE_RANK: Record<WorkspaceRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: WorkspaceRole, min: WorkspaceRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[min];
}

const cache = new WeakMap<FastifyRequest, SignedIn | null>();

/** The transaction a request's check opened (`hold`), until the response is sent. */
const heldOf = new WeakMap<FastifyRequest, HeldTransaction>();

/** For the app's onResponse hook: rolls back what the request's check opened and no
 *  `withTenant` took (an error before the service, a route that never needed it). */
export async function releaseRequestTransaction(request: FastifyRequest): Promise<void> {
  const held = heldOf.get(request);
  if (!held) return;
  heldOf.delete(request);
  await releaseHeld(held);
}

/** The signed-in user and session of this request, or null. */
export async function currentUser(services: Services, request: FastifyRequest): Promise<SignedIn | null> {
  if (cache.has(request)) return cache.get(request) ?? null;
  const result = await services.auth.api.getSession({ headers: toFetchHeaders(request) });
  let signedIn: SignedIn | null = null;
  if (result && !result.user.deletedAt) {
    const u = result.user;
    signedIn = {
      user: {
        id: u.id,
        email: u.email,
        name: u.name,
        emailVerified: u.emailVerified,
        twoFactorEnabled: Boolean(u.twoFactorEnabled),
        isInstanceAdmin: Boolean(u.isInstanceAdmin),
      },
      session: {
        id: result.session.id,
        token: result.session.token,
        activeWorkspaceId: (result.session.activeWorkspaceId as string | null | undefined) ?? null,
      },
    };
  }
  cache.set(request, signedIn);
  return signedIn;
}

/**
 * API keys (`Authorization: Bearer tlt_…`) are accepted on the data API (`/api/v1/…`) only,
 * never on sign-in, the account, workspace management (members, invitations, teams) or the
 * management of keys, permissions and webhooks themselves: a leaked key must not be able to
 * mint more keys or widen its own rights. Within `/api/v1`, only routes that check the
 * permission matrix and the key's scopes (`requireAllowed`) accept keys. A request with a bearer token is authenticated
 * by the key alone, never by a cookie it may also carry.
 */
const KEY_REFUSED = ['/api/v1/api-keys', '/api/v1/permissions', '/api/v1/webhooks'];

function keyAllowedOn(url: string): boolean {
  const p = url.split('?')[0] ?? '';
  return p.startsWith('/api/v1/') && !KEY_REFUSED.some((r) => p === r || p.startsWith(`${r}/`));
}

const keyRefused = () =>
  new AppError('api_key_not_allowed', 403, 'API keys are not accepted here; sign in to do this.');

export async function requireUser(services: Services, request: FastifyRequest): Promise<SignedIn> {
  if (bearerOf(request.headers.authorization)) throw keyRefused();
  const signedIn = await currentUser(services, request);
  if (!signedIn) throw unauthenticated();
  return signedIn;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The workspace this request acts in (the `X-Tillit-Workspace` header, else the session's
 * active workspace) and the user's role there. Membership is read on every request, so a
 * removed member loses access at once. A workspace that requires two-factor
 * authentication refuses members who have not enabled it.
 */
export async function requireMember(
  services: Services,
  request: FastifyRequest,
  minRole: WorkspaceRole = 'viewer',
  options: {
    allowWithoutTwoFactor?: boolean;
    allowApiKey?: boolean;
    /** Also read the workspace's override of this permission (see `permissionOverride`). */
    permission?: { object: string; action: string };
    /**
     * Open the request's transaction with the check (PostgreSQL, signed-in users on the fast
     * path): the first `withTenant` of the caller's actor runs in it, a round trip fewer. For
     * routes that go to the database right after the check (a held transaction keeps a pooled
     * connection until then); whatever is not taken is rolled back when the response is sent.
     */
    hold?: boolean;
    /** The fast check's answer, when the caller already asked the database (a read done in
     *  the same statement, modules/people/people.get-once.ts): decided here as if asked now. */
    answered?: FastAuth;
  } = {},
): Promise<InWorkspace> {
  const bearer = bearerOf(request.headers.authorization);
  const header = request.headers['x-tillit-workspace'];
  if (bearer) {
    // Only routes that check the key's scopes (requireAllowed from modules/permissions
    // passes allowApiKey) take keys: a route without a scope check would let a key scoped
    // to deals read people.
    if (!options.allowApiKey || !keyAllowedOn(request.url)) throw keyRefused();
    const ctx = await authenticateApiKey(services, bearer);
    if (typeof header === 'string' && header && header !== ctx.workspaceId) {
      throw forbidden('This API key belongs to another workspace.');
    }
    if (!roleAtLeast(ctx.role, minRole)) throw forbidden(`This needs the ${minRole} role or higher.`);
    return ctx;
  }
  const asked = typeof header === 'string' && header ? header : null;
  if (asked !== null && !UUID.test(asked)) throw badWorkspaceHeader();
  // The common case in one round trip (auth/request-auth.ts); anything unusual goes the
  // long way through better-auth below, which decides it exactly as before.
  const fast =
    options.answered ??
    (cache.has(request)
      ? 'fallback'
      : await fastRequestAuth(services, request, asked, options.permission ?? null, { hold: options.hold === true }));
  if (fast !== 'fallback') {
    cache.set(request, { user: fast.user, session: fast.session });
    if (fast.held) heldOf.set(request, fast.held);
    try {
      const workspaceId = fast.membership.workspaceId;
      if (!workspaceId) throw new AppError('no_workspace', 409, 'Choose or create a workspace first.');
      const role = fast.membership.role as WorkspaceRole | null;
      const ctx = admit(
        { user: fast.user, session: fast.session },
        workspaceId,
        role ? { role, requireTwoFactor: fast.membership.requireTwoFactor } : undefined,
        minRole,
        options,
        options.permission ? fast.membership.allowed : undefined,
      );
      if (fast.held) ctx.held = fast.held;
      return ctx;
    } catch (error) {
      await releaseHeld(fast.held);
      throw error;
    }
  }
  const signedIn = await requireUser(services, request);
  const workspaceId = asked ?? signedIn.session.activeWorkspaceId;
  if (!workspaceId) throw new AppError('no_workspace', 409, 'Choose or create a workspace first.');
  if (!UUID.test(workspaceId)) throw badWorkspaceHeader();
  const row = await withTenant(services.database.db, { workspaceId, userId: signedIn.user.id }, async (tx) => {
    const [r] = await tx
      .select({ role: members.role, requireTwoFactor: workspaces.requireTwoFactor })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.workspaceId, members.workspaceId))
      .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, signedIn.user.id)));
    return r;
  });
  return admit(signedIn, workspaceId, row, minRole, options, undefined);
}

const badWorkspaceHeader = () =>
  new AppError('bad_request', 400, 'X-Tillit-Workspace must be a workspace id.', {
    'x-tillit-workspace': 'must be a UUID',
  });

/** The membership rules, whichever way the membership was read. */
function admit(
  signedIn: SignedIn,
  workspaceId: string,
  row: { role: WorkspaceRole; requireTwoFactor: boolean } | undefined,
  minRole: WorkspaceRole,
  options: { allowWithoutTwoFactor?: boolean },
  permissionOverride: boolean | null | undefined,
): InWorkspace {
  if (!row) throw forbidden('You are not a member of this workspace.');
  if (row.requireTwoFactor && !signedIn.user.twoFactorEnabled && !options.allowWithoutTwoFactor) {
    throw new AppError(
      'two_factor_required',
      403,
      'This workspace requires two-factor authentication. Turn it on under Security first.',
    );
  }
  if (!roleAtLeast(row.role, minRole)) throw forbidden(`This needs the ${minRole} role or higher.`);
  const ctx: InWorkspace = { ...signedIn, workspaceId, role: row.role };
  if (permissionOverride !== undefined) ctx.permissionOverride = permissionOverride;
  return ctx;
}
