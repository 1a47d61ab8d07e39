import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * The CRM core as a sales team meets it: a company and a person created through the forms,
 * linked with a role, found again by search, moved to the trash and restored from it.
 */
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

async function firstRun(): Promise<Page> {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto('/');
  await page.waitForURL('**/setup');
  await page.getByLabel('First name').fill('Olivia');
  await page.getByLabel('Last name').fill('Owner');
  await page.getByLabel('Email').fill('olivia@acme.example');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Date of birth').fill('1988-04-01');
  await page.getByLabel('Workspace name').fill('Acme AS');
  await page.getByLabel('Country').selectOption('NO');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

it('[P-ACC-4] creates a company and a person, links them, finds and edits the person, deletes and restores', async () => {
  const page = await firstRun();

  // A company.
  await page.getByRole('link', { name: 'Companies', exact: true }).click();
  await page.getByRole('link', { name: 'New company' }).click();
  await page.getByLabel('Name').fill('Fjord Fisk AS');
  await page.getByLabel('Domain').fill('https://www.FjordFisk.no/about');
  await page.getByLabel('City').fill('Bergen');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Fjord Fisk AS' }).waitFor();
  await page.getByText('fjordfisk.no').first().waitFor();

  // A person, linked to the company with a role. The server asks for a data-subject category.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Phone').fill('22 33 44 55');
  await page.getByRole('button', { name: 'Add company' }).click();
  await page.getByLabel('Company').click();
  await page.getByRole('option', { name: 'Fjord Fisk AS' }).click();
  await page.getByLabel('Role').fill('CTO');
  await page.getByLabel('Tags').fill('vip');
  await page.getByLabel('Tags').press('Enter');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/at least one category/).waitFor();
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  await page.getByText('+4722334455').waitFor(); // normalised to E.164 with the workspace's country
  await page.getByRole('link', { name: 'Fjord Fisk AS' }).click();
  await page.getByRole('heading', { name: 'Fjord Fisk AS' }).waitFor();
  const linked = page.getByRole('table', { name: 'People' });
  await linked.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await linked.getByText('CTO').waitFor();

  // A second person, so that the search has something to leave out.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Bjørn');
  await page.getByLabel('Last name').fill('Berg');
  await page.getByLabel('Prospect').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Bjørn Berg' }).waitFor();

  // Found by search, opened from the table.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  const table = page.getByRole('table', { name: 'People' });
  await table.getByRole('link', { name: 'Bjørn Berg' }).waitFor();
  await page.getByLabel('Search').fill('ada');
  await expect.poll(() => table.getByRole('link', { name: 'Bjørn Berg' }).count()).toBe(0);
  await table.getByRole('link', { name: 'Ada Lovelace' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

  // Edited: a second email, and a new role at the company (linking again replaces the role).
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByRole('button', { name: 'Add email' }).click();
  await page.getByLabel('Email 2').fill('ada@home.example');
  await page.getByLabel('Role').fill('CEO');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  await page.getByText('ada@home.example').waitFor();
  await page.getByRole('table', { name: 'Companies' }).getByText('CEO').waitFor();

  // The owner (an admin) sees who read the record: their own visits, newest first.
  const reads = page.getByRole('table', { name: 'Who read this record' });
  await reads.getByRole('cell', { name: 'Opened the person' }).first().waitFor();
  expect(await reads.getByRole('row').count()).toBeGreaterThan(1);

  // Deleted to the trash, after a confirmation.
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
  await page.getByText('Ada Lovelace was moved to the trash.').waitFor();
  await expect.poll(() => table.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(0);

  // The trash lists it with the day it goes for good, and restores it.
  await page.getByRole('link', { name: 'Trash', exact: true }).click();
  const trash = page.getByRole('table', { name: 'Trash' });
  const row = trash.getByRole('row', { name: /Ada Lovelace/ });
  await row.waitFor();
  const purge = new Date(Date.now() + 30 * 86_400_000);
  const purgeText = new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(purge);
  expect(await row.textContent()).toContain(purgeText);
  await page.getByRole('button', { name: 'Restore Ada Lovelace' }).click();
  await page.getByText('Ada Lovelace was restored.').waitFor();
  await page.getByText('The trash is empty.').waitFor();
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
});
