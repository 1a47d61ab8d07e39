import { createHash } from 'node:crypto';
import type { TWorkspaceRole } from '@tillit/contracts';
import * as OTPAuth from 'otpauth';
import { expect } from 'vitest';
import type { TestClient, TestEnv } from '../../../test/harness.ts';
import * as authModule from '../../auth/auth.ts';
import { createWorkspace } from './workspaces.service.ts';

/** Helpers for the workspace suites. They sign users up through better-auth's server API
 *  directly, so these tests do not depend on the account module's sign-up route. */

export const PASSWORD = 'correct horse battery staple';

let counter = 0;

type WithExtras = (extras: { ageConfirmedMin: number }, fn: () => Promise<Response>) => Promise<Response>;

export type TestUser = { client: TestClient; userId: string; email: string; name: string };

export async function signUp(env: TestEnv, label = 'user'): Promise<TestUser> {
  counter += 1;
  const email = `${label}-${counter}-${createHash('sha1').update(String(Math.random())).digest('hex').slice(0, 6)}@example.test`;
  const firstName = label.charAt(0).toUpperCase() + label.slice(1);
  const lastName = `Tester${counter}`;
  const name = `${firstName} ${lastName}`;
  const call = () =>
    env.services.auth.api.signUpEmail({
      body: { email, password: PASSWORD, name, firstName, lastName },
      asResponse: true,
    });
  // The account module lets better-auth create users only inside `withNewAccountExtras`
  // (which carries the confirmed age). Looked up by name so that this helper works with and
  // without that module's version of auth.ts.
  const withExtras = (authModule as unknown as { withNewAccountExtras?: WithExtras }).withNewAccountExtras;
  const res = withExtras ? await withExtras({ ageConfirmedMin: 18 }, call) : await call();
  if (!res.ok) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string } };
  const client = env.client();
  client.setCookiesFrom(res.headers);
  if (!client.hasSession()) throw new Error('sign-up returned no session cookie');
  return { client, userId: body.user.id, email, name };
}

/** A user who owns a fresh workspace (created through the API, so it is also active). */
export async function ownerWithWorkspace(env: TestEnv, name = 'Acme') {
  const owner = await signUp(env, 'owner');
  const res = await owner.client.post<{ workspaceId: string }>('/api/workspaces', {
    name,
    country: 'NO',
    region: 'eu',
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  owner.client.workspaceId = res.body.workspaceId;
  return { owner, workspaceId: res.body.workspaceId };
}

/** Same, through the service (for set-ups that must not depend on the route). */
export async function ownerWithWorkspaceDirect(env: TestEnv, name = 'Acme') {
  const owner = await signUp(env, 'owner');
  const { workspaceId } = await createWorkspace(env.services, owner.userId, { name, country: 'NO', region: 'eu' });
  owner.client.workspaceId = workspaceId;
  return { owner, workspaceId };
}

/** The invitation token in the newest invitation mail to `email`. */
export function invitationTokenFor(env: TestEnv, email: string): string {
  const mail = [...env.mail.sent].reverse().find((m) => m.to === email && m.kind === 'invitation');
  if (!mail) throw new Error(`no invitation mail to ${email}`);
  const m = mail.text.match(/\/invite\/(\S+)/);
  if (!m?.[1]) throw new Error('no invitation link in the mail');
  return m[1];
}

/** Invites a new user with `role` and has them accept: a member of the inviter's workspace. */
export async function addMember(
  env: TestEnv,
  inviter: TestClient,
  role: TWorkspaceRole,
  label: string = role,
  teamId?: string,
): Promise<TestUser> {
  const user = await signUp(env, label);
  const inv = await inviter.post('/api/invitations', { email: user.email, role, ...(teamId ? { teamId } : {}) });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const token = invitationTokenFor(env, user.email);
  const accepted = await user.client.post<{ workspaceId: string }>('/api/invitations/accept', { token });
  expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  user.client.workspaceId = accepted.body.workspaceId;
  return user;
}

/** Turns on TOTP for the client's user through better-auth; returns a code generator. */
export async function enableTwoFactor(client: TestClient): Promise<() => string> {
  const enabled = await client.post<{ totpURI: string }>('/api/auth/two-factor/enable', { password: PASSWORD });
  expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
  const totp = OTPAuth.URI.parse(enabled.body.totpURI);
  const code = () => (totp as OTPAuth.TOTP).generate();
  const verified = await client.post('/api/auth/two-factor/verify-totp', { code: code() });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return code;
}
