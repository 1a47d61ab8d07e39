import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Record visibility as two colleagues meet it: a person one member keeps private is not in
 * the other member's list, search or direct link, while the workspace owner (an admin)
 * still sees it.
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

/** The owner invites `email` as a member; the colleague signs up from the outbox link. */
async function inviteMember(owner: Page, email: string, firstName: string): Promise<Page> {
  await owner.getByRole('link', { name: 'Invitations' }).click();
  await owner.getByLabel('Email').fill(email);
  await owner.getByLabel('Role').selectOption('member');
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  await owner.getByText(`Invitation sent to ${email}`).waitFor();
  await owner.getByRole('link', { name: 'Outbox' }).click();
  await owner
    .getByRole('row', { name: new RegExp(email.replace('.', '\\.')) })
    .getByRole('button', { name: /Open message/ })
    .first()
    .click();
  const link = await owner
    .getByRole('dialog')
    .getByRole('link', { name: /\/invite\// })
    .first()
    .getAttribute('href');
  await owner.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  const page = await newPage();
  await page.goto(link as string);
  await page.getByLabel('First name').fill(firstName);
  await page.getByLabel('Last name').fill('Member');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByLabel('Date of birth').fill('1993-05-06');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

it('[P-ACC-7] a private person stays invisible to another member: list, search and link; the owner sees it', async () => {
  const owner = await newPage();
  await owner.goto('/');
  await owner.waitForURL('**/setup');
  await owner.getByLabel('First name').fill('Olga');
  await owner.getByLabel('Last name').fill('Owner');
  await owner.getByLabel('Email').fill('olga@fjord.example');
  await owner.getByLabel('Password').fill('correct horse battery');
  await owner.getByLabel('Date of birth').fill('1985-03-04');
  await owner.getByLabel('Workspace name').fill('Fjord AS');
  await owner.getByLabel('Country').selectOption('NO');
  await owner.getByRole('button', { name: 'Create workspace' }).click();
  await owner.waitForURL(`${server.url}/`);

  const mia = await inviteMember(owner, 'mia@fjord.example', 'Mia');
  const per = await inviteMember(owner, 'per@fjord.example', 'Per');

  // Mia adds one person for everyone and one she keeps to herself.
  for (const [first, last, visibility] of [
    ['Shared', 'Contact', 'workspace'],
    ['Secret', 'Contact', 'private'],
  ] as const) {
    await mia.getByRole('link', { name: 'People', exact: true }).click();
    await mia.getByRole('link', { name: 'New person' }).click();
    await mia.getByLabel('First name').fill(first);
    await mia.getByLabel('Last name').fill(last);
    await mia.getByLabel('Client').check();
    await mia.getByLabel('Visibility').selectOption(visibility);
    await mia.getByRole('button', { name: 'Save' }).click();
    await mia.getByRole('heading', { name: `${first} ${last}` }).waitFor();
  }
  const secretUrl = mia.url();
  expect(secretUrl).toMatch(/\/people\/[0-9a-f-]{36}$/);

  // Per sees the shared person, not the private one: not in the list...
  await per.getByRole('link', { name: 'People', exact: true }).click();
  const table = per.getByRole('table', { name: 'People' });
  await table.getByRole('link', { name: 'Shared Contact' }).waitFor();
  expect(await table.getByRole('link', { name: 'Secret Contact' }).count()).toBe(0);
  // ...not by searching the list...
  await per.getByLabel('Search').fill('secret');
  await expect.poll(() => table.getByRole('link', { name: 'Shared Contact' }).count()).toBe(0);
  expect(await table.getByRole('link', { name: 'Secret Contact' }).count()).toBe(0);
  // ...and not by its address.
  await per.goto(new URL(secretUrl).pathname);
  await per.getByText('The person was not found.').waitFor();
  expect(await per.getByRole('heading', { name: 'Secret Contact' }).count()).toBe(0);
  const api = await per.request.get(`/api/v1/people/${secretUrl.split('/').at(-1)}`);
  expect(api.status()).toBe(404);

  // The owner, an admin, sees both.
  await owner.getByRole('link', { name: 'People', exact: true }).click();
  const ownerTable = owner.getByRole('table', { name: 'People' });
  await ownerTable.getByRole('link', { name: 'Secret Contact' }).waitFor();
  await ownerTable.getByRole('link', { name: 'Shared Contact' }).waitFor();
});
