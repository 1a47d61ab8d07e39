import type { TestClient, TestEnv } from '../../../test/harness.ts';

/** Test helpers for suites that need accounts. Not imported by the server. */
export const DEFAULT_PASSWORD = 'correct horse battery staple';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter++;
  return `${prefix}.${Date.now().toString(36)}.${counter}@example.test`;
}

/** The first run: the instance admin and their first workspace. Returns a signed-in client. */
export async function setUpInstance(
  env: TestEnv,
  overrides: { email?: string; password?: string; country?: string; name?: string } = {},
): Promise<{ client: TestClient; userId: string; workspaceId: string; email: string; password: string }> {
  const client = env.client();
  const email = overrides.email ?? uniqueEmail('owner');
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const res = await client.post<{ id: string; activeWorkspaceId: string }>('/api/setup/first-run', {
    account: { email, password, firstName: 'Olga', lastName: 'Owner', dateOfBirth: '1980-04-02' },
    workspace: { name: overrides.name ?? 'Acme AS', country: overrides.country ?? 'NO', region: 'no' },
  });
  if (res.status !== 201) throw new Error(`first run failed: ${res.status} ${res.text}`);
  return { client, userId: res.body.id, workspaceId: res.body.activeWorkspaceId, email, password };
}

/** A signed-up, signed-in user (the instance must be set up already). */
export async function signUpUser(
  env: TestEnv,
  overrides: {
    email?: string;
    password?: string;
    firstName?: string;
    lastName?: string;
    invitationToken?: string;
  } = {},
): Promise<{ client: TestClient; userId: string; email: string; password: string }> {
  const client = env.client();
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const res = await client.post<{ id: string }>('/api/account/sign-up', {
    email,
    password,
    firstName: overrides.firstName ?? 'Ulla',
    lastName: overrides.lastName ?? 'User',
    dateOfBirth: '1990-06-15',
    ...(overrides.invitationToken ? { invitationToken: overrides.invitationToken } : {}),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${res.text}`);
  return { client, userId: res.body.id, email, password };
}
