import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * My account and passkeys, as a user meets them: a passkey added with Chromium's virtual
 * authenticator and used to sign in, my data downloaded, my account deleted and locked out.
 */
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const PASSWORD = 'correct horse battery';

it('[P-ACC-2] [P-ACC-3] a passkey signs me in; I download my data and delete my account', async () => {
  const context = await browser.newContext({ baseURL: server.url, acceptDownloads: true });
  const page: Page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await page.goto('/');
  await page.waitForURL('**/setup');
  await page.getByLabel('First name').fill('Solo');
  await page.getByLabel('Last name').fill('Founder');
  await page.getByLabel('Email').fill('solo@example.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Date of birth').fill('1990-04-01');
  await page.getByLabel('Workspace name').fill('Solo AS');
  await page.getByLabel('Country').selectOption('NO');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${server.url}/`);

  // A passkey, then a sign-in with it and no password.
  await page.getByRole('link', { name: 'Security' }).click();
  await page.getByLabel('Passkey name').fill('Laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByText('Passkey added.').waitFor();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/sign-in/);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.waitForURL(`${server.url}/`);
  expect((await page.request.get('/api/account/me')).status()).toBe(200);

  // Correct my data, then download it.
  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByLabel('Phone').fill('+47 22 33 44 55');
  await page.getByLabel('City').fill('Oslo');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Saved.').waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download my data' }).click(),
  ]);
  const file = await download.path();
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const text = JSON.stringify(data);
  expect(text).toContain('solo@example.test');
  expect(text).toContain('+4722334455');
  expect(text).toContain('Oslo');
  expect(text).not.toContain(PASSWORD);

  // Delete the account: the session ends at once and signing in again fails.
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('dialog').getByLabel('Password').fill(PASSWORD);
  await page.getByRole('dialog').getByRole('button', { name: 'Delete account' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/settings'));
  expect((await page.request.get('/api/account/me')).status()).toBe(401);
  const again = await page.request.post('/api/auth/sign-in/email', {
    data: { email: 'solo@example.test', password: PASSWORD },
    headers: { origin: server.url },
  });
  expect(again.status()).toBeGreaterThanOrEqual(400);
  await context.close();
});
