import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';
import { totpCode } from './support/totp.ts';

/**
 * The foundation, as a user meets it: first run, a colleague invited and signed up from the
 * outbox, two-factor authentication turned on and used at the next sign-in, a role
 * changed, the member removed and locked out.
 */
let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const OWNER = { email: 'olivia@acme.example', password: 'correct horse battery' };
const MEMBER = { email: 'mona@acme.example', password: 'another good password', name: 'Mona Member' };

it('[P-ACC-7] [P-SEC-2] [P-SEC-5] first run, invitation from the outbox, 2FA at the next sign-in, role change, removal', async () => {
  // First run: the empty instance asks for its owner and first workspace.
  const owner = await newPage();
  await owner.goto('/');
  await owner.waitForURL('**/setup');
  await owner.getByLabel('First name').fill('Olivia');
  await owner.getByLabel('Last name').fill('Owner');
  await owner.getByLabel('Email').fill(OWNER.email);
  await owner.getByLabel('Password').fill(OWNER.password);
  await owner.getByLabel('Date of birth').fill('1988-04-01');
  await owner.getByLabel('Workspace name').fill('Acme AS');
  await owner.getByLabel('Country').selectOption('NO');
  await owner.getByRole('button', { name: 'Create workspace' }).click();
  await owner.waitForURL(`${server.url}/`);

  // Invite a colleague; the mail lands in the dev outbox.
  await owner.getByRole('link', { name: 'Invitations' }).click();
  await owner.getByLabel('Email').fill(MEMBER.email);
  await owner.getByLabel('Role').selectOption('member');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await owner.getByText(`Invitation sent to ${MEMBER.email}`).waitFor();
  await owner.getByRole('link', { name: 'Outbox' }).click();
  await owner
    .getByRole('button', { name: /Open message/ })
    .first()
    .click();
  const link = await owner
    .getByRole('dialog')
    .getByRole('link', { name: /\/invite\// })
    .first()
    .getAttribute('href');
  expect(link).toMatch(/\/invite\/[0-9a-f-]{36}\./);
  await owner.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  // The colleague signs up from the link and lands in the workspace.
  const member = await newPage();
  await member.goto(link as string);
  await expect(member.getByLabel('Email').inputValue()).resolves.toBe(MEMBER.email);
  await member.getByLabel('First name').fill('Mona');
  await member.getByLabel('Last name').fill('Member');
  await member.getByLabel('Password').fill(MEMBER.password);
  await member.getByLabel('Date of birth').fill('1995-02-03');
  await member.getByRole('button', { name: 'Create account' }).click();
  await member.waitForURL(`${server.url}/`);
  await member.getByRole('link', { name: 'Members' }).click();
  await member.getByText(OWNER.email).waitFor();

  // The member turns on two-factor authentication...
  await member.getByRole('link', { name: 'Security' }).click();
  await member.getByRole('button', { name: 'Enable two-factor authentication' }).click();
  await member.getByRole('dialog').getByLabel('Password').fill(MEMBER.password);
  await member.getByRole('button', { name: 'Continue' }).click();
  const uri = (await member.getByTestId('totp-uri').textContent()) ?? '';
  expect(uri).toMatch(/^otpauth:\/\/totp\//);
  await member.getByLabel('Authentication code').fill(totpCode(uri));
  await member.getByRole('button', { name: 'Confirm' }).click();
  await member.getByText('Two-factor authentication is on.').first().waitFor();

  // ...and the next sign-in asks for the code.
  await member.getByRole('button', { name: 'Sign out', exact: true }).click();
  await member.waitForURL('**/sign-in');
  await signIn(member, MEMBER.email, MEMBER.password);
  await member.getByLabel('Authentication code').fill(totpCode(uri));
  await member.getByRole('button', { name: 'Verify' }).click();
  await member.waitForURL(`${server.url}/`);
  await member.getByRole('link', { name: 'Members' }).click();
  await member.getByText(OWNER.email).waitFor();

  // The owner makes the member an admin, then removes them.
  await owner.getByRole('link', { name: 'Members' }).click();
  await owner.getByLabel(`Role for ${MEMBER.name}`).selectOption('admin');
  await owner.getByText(`Role of ${MEMBER.name} changed to Admin`).waitFor();
  await owner.getByRole('button', { name: `Remove ${MEMBER.name}` }).click();
  await owner.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
  await owner.getByText(`${MEMBER.name} was removed`).waitFor();

  // The removed member is locked out at once: their session in the workspace has ended.
  const api = await member.request.get('/api/members');
  expect(api.status()).toBe(401);
  await member.reload();
  await member.waitForURL(/\/sign-in/);
  await member.getByRole('button', { name: 'Sign in', exact: true }).waitFor();

  // The owner's audit log shows what happened, and the chain verifies.
  await owner.getByRole('link', { name: 'Audit log' }).click();
  await owner.getByText('member.removed').first().waitFor();
  await owner.getByText('member.role_changed').first().waitFor();
  await owner.getByText('auth.two_factor_enabled').first().waitFor();
  await owner.getByRole('button', { name: 'Verify chain' }).click();
  await owner.getByText(/verif/i).first().waitFor();
  const verify = await owner.request.post('/api/audit/verify', { headers: { origin: server.url } });
  expect(await verify.json()).toMatchObject({ ok: true });

  // A second browser of the owner is signed out from the first one's session list.
  const laptop = await newPage();
  await signIn(laptop, OWNER.email, OWNER.password);
  await laptop.waitForURL(`${server.url}/`);
  await owner.getByRole('link', { name: 'Security' }).click();
  await owner.getByText('This device').waitFor();
  await owner.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await owner.getByText('Every other session was signed out.').waitFor();
  expect((await laptop.request.get('/api/account/me')).status()).toBe(401);
  expect((await owner.request.get('/api/account/me')).status()).toBe(200);
});
