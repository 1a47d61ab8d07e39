import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * The privacy panel of a person, as staff use it: a consent recorded with its proof shows in
 * the consents and their history; restricting processing puts a banner on the record and
 * makes it read-only until lifted (P-DSR-2, P-CK-2); the retention section shows the rule and
 * date that end each kind of the person's data (P-RET-1); the register of processing is printable
 * from Settings (P-LB-3).
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

async function firstRun(): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto('/');
  await page.waitForURL('**/setup');
  await page.getByLabel('First name').fill('Petra');
  await page.getByLabel('Last name').fill('Privacy');
  await page.getByLabel('Email').fill('petra@acme.example');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Date of birth').fill('1985-02-03');
  await page.getByLabel('Workspace name').fill('Acme AS');
  await page.getByLabel('Country').selectOption('NO');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

const patchStatus = (page: Page, id: string) =>
  page.evaluate(
    async ({ personId }) =>
      (
        await fetch(`/api/v1/people/${personId}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'Chief of Data' }),
        })
      ).status,
    { personId: id },
  );

it('[P-CK-2] [P-DSR-2] [P-LB-3] [P-RET-1] staff record a consent with its proof, restrict and lift processing, and print the register', async () => {
  const page = await firstRun();
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Nora');
  await page.getByLabel('Last name').fill('Samtykke');
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Nora Samtykke' }).waitFor();
  const personId = new URL(page.url()).pathname.split('/').at(-1) ?? '';

  // A consent to the newsletter, given on a paper form at a fair.
  // The purpose select lists the consent purposes; newsletters (marketing.email) come first
  // and are chosen already (clicking the chosen option would clear it).
  const purpose = page.getByLabel('Purpose', { exact: true }).first();
  if ((await purpose.inputValue()) !== 'marketing.email') {
    await purpose.click();
    await page.getByRole('option', { name: 'marketing.email' }).click();
  }
  await expect.poll(() => purpose.inputValue()).toBe('marketing.email');
  await page.getByLabel('Proof').fill('Signed form at the Oslo fair, box 12');
  await page.getByRole('button', { name: 'Record consent given' }).click();
  const consents = page.getByRole('table', { name: 'Consents' });
  await expect
    .poll(async () => (await consents.getByRole('row', { name: /marketing\.email/ }).textContent()) ?? '')
    .toContain('Given');
  // A newsletter consent lapses after 24 months; the panel shows when.
  expect((await consents.getByRole('row', { name: /marketing\.email/ }).textContent()) ?? '').toContain(
    String(new Date().getFullYear() + 2),
  );
  const history = page.getByRole('table', { name: 'Consent history' });
  await history
    .getByText(/marketing\.email/)
    .first()
    .waitFor();

  // Restriction: the banner, and the record refuses changes until it is lifted.
  await page.getByRole('button', { name: 'Restrict processing' }).click();
  await page.getByLabel('Why (e.g. a correction is pending)').fill('The person disputes their address');
  await page.getByRole('button', { name: 'Restrict processing' }).click();
  await page.getByRole('status').filter({ hasText: 'Processing is restricted' }).first().waitFor();
  expect(await patchStatus(page, personId)).toBe(409);

  await page.getByRole('button', { name: 'Lift restriction' }).click();
  await page.getByLabel('Why it can be lifted').fill('The address was corrected');
  await page.getByRole('button', { name: 'Lift restriction' }).click();
  await page.getByText('Processing is not restricted.').waitFor();
  expect(await patchStatus(page, personId)).toBe(200);

  // Retention: a client no rule ends; a prospect gets the date the inactive-prospect rule
  // moves them to the trash and the date the trash rule deletes them.
  const retention = page.getByRole('table', { name: 'Retention' });
  await expect
    .poll(async () => (await retention.textContent()) ?? '')
    .toContain('No retention rule ends this; it is kept while it is needed.');
  const prospectId = await page.evaluate(async () => {
    const res = await fetch('/api/v1/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Pia', lastName: 'Prospect', subjectCategories: ['prospect'] }),
    });
    return ((await res.json()) as { id: string }).id;
  });
  await page.goto(new URL(page.url()).pathname.replace(personId, prospectId));
  await page.getByRole('heading', { name: 'Pia Prospect' }).waitFor();
  const row = page
    .getByRole('table', { name: 'Retention' })
    .getByRole('row', { name: /Prospects never turned into anything else/ });
  await expect.poll(async () => (await row.textContent()) ?? '').toMatch(/Moved to the trash on .+, deleted on .+/);
  await expect.poll(async () => (await row.textContent()) ?? '').toContain('365 days');

  // The register of processing, from the data map and the purposes.
  await page.goto('/settings/privacy/register');
  await page.getByRole('heading', { name: 'Register of processing' }).first().waitFor();
  await page.getByText('marketing.email').first().waitFor();
}, 120_000);
