import { AsyncLocalStorage } from 'node:async_hooks';
import { passkey } from '@better-auth/passkey';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { createAuthMiddleware } from 'better-auth/api';
import { twoFactor } from 'better-auth/plugins';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { accounts, passkeys, rateLimits, sessions, twoFactors, users, verifications } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import { INSTANCE_SCOPE, newId } from '../lib/ids.ts';
import type { KeyRing } from '../lib/keys.ts';
import type { MailTransport } from '../mail/mail.transport.ts';
import { recordAudit } from '../privacy/audit/audit.service.ts';
import { authEmails } from './auth.emails.ts';
import { authTokenCipher, protectAdapter } from './protected-adapter.ts';
import { workspacesOfUser } from './sign-in-audit.ts';

export type AuthDeps = {
  config: Config;
  db: Db;
  mail: MailTransport;
  keys: KeyRing;
  clock: Clock;
  /** Called after every sign-in attempt through a password, a second factor or a passkey. */
  onSignInAttempt: (attempt: SignInAttempt) => Promise<void>;
  rateLimit: { window: number; max: number; signInMax: number };
};

export type SignInAttempt = {
  ok: boolean;
  method: 'password' | 'two_factor' | 'passkey' | 'sign_up';
  userId: string | null;
  email: string | null;
  ip: string | null;
  userAgent: string | null;
  /** Why it failed, in better-auth's words (for the audit log, never shown raw). */
  reason?: string;
};

const SIGN_IN_PATHS: Record<string, SignInAttempt['method']> = {
  '/sign-in/email': 'password',
  '/two-factor/verify-totp': 'two_factor',
  '/two-factor/verify-backup-code': 'two_factor',
  '/passkey/verify-authentication': 'passkey',
};

/** Fields an account gets at creation that no client may send (better-auth's `input: false`
 *  fields): the account service sets them for one sign-up call. */
export type NewAccountExtras = { ageConfirmedMin: number; isInstanceAdmin?: boolean };

const newAccountExtras = new AsyncLocalStorage<NewAccountExtras>();

/** Runs `fn` (a server-side sign-up) so that the user row it creates carries `extras`, in
 *  the same insert: no account exists, even briefly, without its age confirmation. */
export function withNewAccountExtras<T>(extras: NewAccountExtras, fn: () => Promise<T>): Promise<T> {
  return newAccountExtras.run(extras, fn);
}

type SessionInfo = { user: { id: string; twoFactorEnabled?: boolean | null }; session: { id: string } | null } | null;

export function createAuth(deps: AuthDeps) {
  const { config } = deps;
  const origin = new URL(config.publicUrl);
  const secure = origin.protocol === 'https:';
  const emails = authEmails(config.publicUrl);
  const cipher = authTokenCipher(deps.keys);
  const drizzleDatabase = drizzleAdapter(deps.db, {
    provider: 'pg',
    schema: {
      user: users,
      session: sessions,
      account: accounts,
      verification: verifications,
      twoFactor: twoFactors,
      passkey: passkeys,
      rateLimit: rateLimits,
    },
  });
  return betterAuth({
    appName: 'Tillit',
    baseURL: config.publicUrl,
    basePath: '/api/auth',
    secret: deps.keys.derive('better-auth').toString('base64url'),
    trustedOrigins: [origin.origin],
    // Tokens are encrypted at rest (see protected-adapter.ts); verification identifiers,
    // which carry reset tokens, are stored hashed.
    database: (options: Parameters<typeof drizzleDatabase>[0]) => protectAdapter(drizzleDatabase(options), cipher),
    verification: { storeIdentifier: 'hashed' },
    // Sign-up goes through POST /api/account/sign-up, which checks age and input first.
    disabledPaths: ['/sign-up/email', '/delete-user', '/revoke-session'],
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      maxPasswordLength: 256,
      requireEmailVerification: false,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => {
        await deps.mail.send({ ...emails.resetPassword(user.name, url), to: user.email });
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      expiresIn: 60 * 60 * 24,
      sendVerificationEmail: async ({ user, url }) => {
        await deps.mail.send({ ...emails.verifyEmail(user.name, url), to: user.email });
      },
    },
    user: {
      changeEmail: { enabled: true },
      additionalFields: {
        firstName: { type: 'string', required: false, defaultValue: '' },
        lastName: { type: 'string', required: false, defaultValue: '' },
        phone: { type: 'string', required: false },
        street: { type: 'string', required: false },
        state: { type: 'string', required: false },
        postalCode: { type: 'string', required: false },
        city: { type: 'string', required: false },
        country: { type: 'string', required: false },
        locale: { type: 'string', required: false, defaultValue: 'en' },
        ageConfirmedMin: { type: 'number', required: false, input: false },
        isInstanceAdmin: { type: 'boolean', required: false, defaultValue: false, input: false },
        deletedAt: { type: 'date', required: false, input: false },
      },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 14,
      updateAge: 60 * 60 * 24,
      additionalFields: { activeWorkspaceId: { type: 'string', required: false, input: false } },
    },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: deps.rateLimit.window,
      max: deps.rateLimit.max,
      customRules: {
        '/sign-in/email': { window: 60, max: deps.rateLimit.signInMax },
        '/two-factor/verify-totp': { window: 60, max: deps.rateLimit.signInMax },
        '/two-factor/verify-backup-code': { window: 60, max: deps.rateLimit.signInMax },
        '/request-password-reset': { window: 60, max: deps.rateLimit.signInMax },
      },
    },
    advanced: {
      cookiePrefix: 'tillit',
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure },
      database: { generateId: () => newId() },
      // The HTTP layer sets this header from Fastify's request.ip (which honours TRUST_PROXY)
      // and drops any value a client sent.
      ipAddress: { ipAddressHeaders: ['x-tillit-client-ip'] },
    },
    plugins: [
      twoFactor({ issuer: 'Tillit', backupCodeOptions: { amount: 10, length: 10 } }),
      passkey({ rpID: origin.hostname, rpName: 'Tillit', origin: origin.origin }),
    ],
    databaseHooks: {
      user: {
        create: {
          before: async (user) => {
            const extras = newAccountExtras.getStore();
            // Accounts are created only through our own sign-up and first-run services,
            // which always say which age was confirmed.
            if (!extras) return false;
            return {
              data: {
                ...user,
                ageConfirmedMin: extras.ageConfirmedMin,
                isInstanceAdmin: extras.isInstanceAdmin ?? false,
                createdAt: deps.clock.now(),
                updatedAt: deps.clock.now(),
              },
            };
          },
        },
      },
      session: {
        create: {
          before: async (session) => {
            const [u] = await deps.db.query.users.findMany({
              where: (t, { eq }) => eq(t.id, session.userId),
              columns: { deletedAt: true },
              limit: 1,
            });
            // A deleted account can never get a session again.
            if (!u || u.deletedAt) return false;
            return { data: session };
          },
        },
      },
    },
    hooks: {
      after: createAuthMiddleware(async (ctx) => {
        const returned = ctx.context.returned as unknown;
        const failed = returned instanceof Error || (returned instanceof Response && returned.status >= 400);
        const headers = ctx.request?.headers ?? ctx.headers;
        const ip = headers?.get('x-tillit-client-ip') ?? null;
        const userAgent = headers?.get('user-agent') ?? null;
        // The session the request came with (better-auth loads it for endpoints that need one).
        const before = (ctx.context.session ?? null) as SessionInfo;
        if (
          !failed &&
          before?.session &&
          (ctx.path === '/two-factor/verify-totp' || ctx.path === '/two-factor/disable')
        ) {
          // A signed-in user confirming a new authenticator (the first verified code turns
          // two-factor on) or turning it off: a security event, not a sign-in.
          const wasOn = Boolean(before.user.twoFactorEnabled);
          const action =
            ctx.path === '/two-factor/disable'
              ? wasOn
                ? 'auth.two_factor_disabled'
                : null
              : !wasOn && ctx.context.newSession
                ? 'auth.two_factor_enabled'
                : null;
          if (action) await auditSecurityEvent(deps, before.user.id, action, { ip, userAgent });
          return;
        }
        if (!failed && before?.session && ctx.path === '/change-password') {
          await auditSecurityEvent(deps, before.user.id, 'auth.password_changed', { ip, userAgent });
          return;
        }
        const method = SIGN_IN_PATHS[ctx.path];
        if (!method) return;
        if (method === 'two_factor' && before?.session) return;
        const newSession = ctx.context.newSession;
        const body = (ctx.body ?? {}) as { email?: unknown };
        const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : null;
        if (newSession && !failed) {
          // This hook runs before the two-factor plugin's own: a correct password of an
          // account with two-factor on is not yet a sign-in (the plugin answers with
          // twoFactorRedirect and the second factor completes it).
          if (method === 'password' && newSession.user.twoFactorEnabled) return;
          await deps.onSignInAttempt({ ok: true, method, userId: newSession.user.id, email, ip, userAgent });
          return;
        }
        const wantsSecondFactor =
          returned && typeof returned === 'object' && 'twoFactorRedirect' in (returned as Record<string, unknown>);
        if (wantsSecondFactor) return;
        if (failed) {
          const reason =
            returned instanceof Error
              ? ((returned as Error & { body?: { code?: string } }).body?.code ?? returned.message)
              : 'failed';
          // A wrong second factor: the pending sign-in's cookie says whose account it was.
          let userId: string | null = null;
          if (method === 'two_factor') {
            const cookie = ctx.context.createAuthCookie('two_factor');
            const identifier = await ctx.getSignedCookie(cookie.name, ctx.context.secret).catch(() => null);
            if (identifier) {
              const pending = await ctx.context.internalAdapter.findVerificationValue(identifier).catch(() => null);
              userId = pending?.value ?? null;
            }
          }
          await deps.onSignInAttempt({ ok: false, method, userId, email, ip, userAgent, reason: String(reason) });
        }
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** Records an account security event in the audit chain of each of the user's workspaces
 *  (the instance's chain when they have none), so that every admin who relies on the
 *  account sees it. */
async function auditSecurityEvent(
  deps: AuthDeps,
  userId: string,
  action: string,
  personal: { ip: string | null; userAgent: string | null },
): Promise<void> {
  const chains = await workspacesOfUser(deps.db, userId);
  if (chains.length === 0) chains.push(INSTANCE_SCOPE);
  for (const workspaceId of chains) {
    await recordAudit(
      deps.db,
      workspaceId,
      { actor: { kind: 'user', id: userId }, action, subjectUserId: userId, personal },
      deps.clock.now(),
    );
  }
}
