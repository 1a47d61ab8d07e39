import type { TFirstRunBody } from '@tillit/contracts';
import { hashPassword } from 'better-auth/crypto';
import { eq, sql } from 'drizzle-orm';
import { storedSessionToken } from '../../auth/protected-adapter.ts';
import { createSignInAuditor } from '../../auth/sign-in-audit.ts';
import { accounts, sessions, users } from '../../db/schema/index.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Services } from '../../services.ts';
import { confirmAge } from '../account/account.sign-up.ts';
import { requestDemoLoad } from '../demo/demo.jobs.ts';
import { createWorkspace, setActiveWorkspace } from '../workspaces/workspaces.service.ts';

/** Any constant shared by every process of the instance: the first run holds this
 *  transaction-scoped advisory lock, so two concurrent first runs cannot both pass. */
const FIRST_RUN_LOCK = 7_311_001;

export type FirstRunResult = { userId: string; email: string; workspaceId: string; setCookies: string[] };

/**
 * The first run: creates the instance admin's account and the first workspace, and signs
 * the admin in. Allowed only while no account exists. With `demo`, it asks for the demo
 * workspace (the demo.load job) and returns without waiting for it.
 */
export async function completeFirstRun(
  services: Services,
  input: TFirstRunBody,
  headers: Headers,
  onBackgroundError: (err: unknown) => void = (err) => console.error('demo load failed', err),
): Promise<FirstRunResult> {
  const ageConfirmedMin = await confirmAge(services, input.account.dateOfBirth, {
    workspaceCountry: input.workspace.country,
    field: 'account.dateOfBirth',
  });
  const email = input.account.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.account.password);
  const now = services.clock.now();
  const userId = newId(now.getTime());
  // The account is written here rather than through better-auth's sign-up so that the
  // "no account yet" check and the insert share one transaction under one lock.
  await services.database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_RUN_LOCK})`);
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    if (existing) throw new AppError('already_set_up', 409, 'This instance is set up already. Sign in instead.');
    await tx.insert(users).values({
      id: userId,
      name: `${input.account.firstName} ${input.account.lastName}`,
      firstName: input.account.firstName,
      lastName: input.account.lastName,
      email,
      emailVerified: false,
      locale: input.account.locale ?? 'en',
      ageConfirmedMin,
      isInstanceAdmin: true,
      createdAt: now,
      updatedAt: now,
    });
    await tx.insert(accounts).values({
      id: newId(now.getTime()),
      userId,
      accountId: userId,
      providerId: 'credential',
      password: passwordHash,
      createdAt: now,
      updatedAt: now,
    });
  });
  let workspaceId: string;
  try {
    ({ workspaceId } = await createWorkspace(services, userId, input.workspace, null));
  } catch (err) {
    // Without its workspace the first run is not done: take the account back so that the
    // first run can be tried again.
    await services.database.db.delete(users).where(eq(users.id, userId));
    throw err;
  }
  await createSignInAuditor(
    services.database.db,
    services.clock,
  )({
    ok: true,
    method: 'sign_up',
    userId,
    email,
    ip: headers.get('x-tillit-client-ip'),
    userAgent: headers.get('user-agent'),
  });
  const signIn = await services.auth.api.signInEmail({
    body: { email, password: input.account.password },
    headers,
    asResponse: true,
  });
  const body = (await signIn.json().catch(() => null)) as { token?: string } | null;
  if (!signIn.ok || !body?.token) throw new Error(`first run: sign-in failed with ${signIn.status}`);
  const [session] = await services.database.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.token, storedSessionToken(services.keys, body.token)));
  if (session) await setActiveWorkspace(services.database.db, session.id, workspaceId);
  await services.auth.api.sendVerificationEmail({ body: { email, callbackURL: '/' }, headers }).catch(() => undefined);
  if (input.demo) requestDemoLoad(services, { workspaceId, userId }, onBackgroundError);
  return { userId, email, workspaceId, setCookies: signIn.headers.getSetCookie() };
}
