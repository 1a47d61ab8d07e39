import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Custom fields and table views (issue 3): an admin adds a field in Settings, sets it in place
 * in the people table (a bad value keeps its error in the cell), filters the table by it,
 * saves the view, and opens it again from the view menu; sorts by owner from the header and
 * keeps that sort in a saved view.
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
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1600, height: 1000 } });
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

async function makePerson(page: Page, body: Record<string, unknown>): Promise<{ id: string }> {
  const data = { subjectCategories: ['client'], ...body };
  const res = await page.request.post('/api/v1/people', { data, headers: { origin: server.url } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: string };
}

it('a custom field is added, set in the table, filtered on, and kept in a saved view', async () => {
  const page = await firstRun();
  await makePerson(page, { firstName: 'Ada', lastName: 'Lovelace' });
  await makePerson(page, { firstName: 'Grace', lastName: 'Hopper' });

  // Settings › Custom fields: a choice field and a number field on people.
  await page.goto('/settings/custom-fields');
  const form = page.getByRole('form', { name: 'New field of People' });
  await form.getByLabel('Label').fill('Tier');
  await form.getByLabel('Type').selectOption('select');
  await form.getByLabel('Options').fill('gold, silver');
  await form.getByRole('button', { name: 'Add field' }).click();
  const fields = page.getByRole('table', { name: 'People' });
  await fields.getByRole('cell', { name: 'Tier', exact: true }).waitFor();
  await form.getByLabel('Label').fill('Level');
  await form.getByLabel('Type').selectOption('number');
  await form.getByRole('button', { name: 'Add field' }).click();
  await fields.getByRole('cell', { name: 'Level', exact: true }).waitFor();

  // The people table: show the two columns, set Tier in place.
  await page.goto('/people');
  const table = page.getByRole('table', { name: 'People' });
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'Tier' }).check();
  await page.getByRole('checkbox', { name: 'Level' }).check();
  await page.keyboard.press('Escape');
  await table.getByRole('button', { name: 'Edit Tier of Ada Lovelace' }).click();
  await table.getByLabel('Tier', { exact: true }).selectOption('gold');
  await expect
    .poll(async () => table.getByRole('button', { name: 'Edit Tier of Ada Lovelace' }).textContent())
    .toBe('gold');

  // A value the server refuses: its error stays in the cell, nothing is saved.
  await table.getByRole('button', { name: 'Edit Level of Grace Hopper' }).click();
  const level = table.getByLabel('Level', { exact: true });
  await level.fill('many');
  await level.press('Enter');
  await table.getByText('must be a number').waitFor();
  await level.fill('7');
  await level.press('Enter');
  await expect
    .poll(async () => table.getByRole('button', { name: 'Edit Level of Grace Hopper' }).textContent())
    .toBe('7');

  // Filter by the field: only Ada stays.
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.getByLabel('Field').selectOption('cf.tier');
  await page.getByLabel('Condition').selectOption('eq');
  await page.getByLabel('Value').selectOption('gold');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect.poll(async () => table.getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();

  // Save the view, leave it, and open it again from the menu.
  await page.getByRole('button', { name: /^View:/ }).click();
  await page.getByRole('menuitem', { name: 'Save as new view…' }).click();
  await page.getByLabel('Name of the view').fill('Gold people');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/savedView=/);

  await page.goto('/people');
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'Tier' }).uncheck();
  await page.keyboard.press('Escape');
  await table.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  await page.getByRole('button', { name: /^View:/ }).click();
  await page.getByRole('menuitem', { name: 'Gold people' }).click();
  await expect.poll(async () => table.getByRole('link', { name: 'Grace Hopper' }).count()).toBe(0);
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  // The view's columns came back with it.
  await table.getByRole('button', { name: 'Edit Tier of Ada Lovelace' }).waitFor();
  expect(page.url()).toContain('filter=');
  await page.getByRole('button', { name: 'View: Gold people' }).waitFor();

  // Sort by owner from the column's header: the header says which way, the URL keeps it, and a
  // view saved with that sort opens with it.
  await page.goto('/people');
  await table.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  const ownerHeader = table.getByRole('columnheader', { name: 'Owner' });
  await ownerHeader.getByRole('button').click();
  await page.waitForURL(/sort=owner/);
  await expect.poll(async () => ownerHeader.getAttribute('aria-sort')).toBe('ascending');
  await ownerHeader.getByRole('button').click();
  await page.waitForURL(/dir=desc/);
  await expect.poll(async () => ownerHeader.getAttribute('aria-sort')).toBe('descending');
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await table.getByRole('link', { name: 'Grace Hopper' }).waitFor();
  await page.getByRole('button', { name: /^View:/ }).click();
  await page.getByRole('menuitem', { name: 'Save as new view…' }).click();
  await page.getByLabel('Name of the view').fill('By owner');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/savedView=/);
  await page.goto('/people');
  await page.getByRole('button', { name: /^View:/ }).click();
  await page.getByRole('menuitem', { name: 'By owner' }).click();
  await page.waitForURL(/sort=owner/);
  await expect.poll(async () => ownerHeader.getAttribute('aria-sort')).toBe('descending');

  // The deals table has the same tools: a custom column edited in place, and a filter on it.
  const field = await page.request.post('/api/v1/custom-fields', {
    data: { object: 'deal', key: 'score', label: 'Score', type: 'number', personal: false },
    headers: { origin: server.url },
  });
  expect(field.status(), await field.text()).toBe(201);
  const pipelines = (await (await page.request.get('/api/v1/pipelines')).json()) as { items: { id: string }[] };
  const pipelineId = pipelines.items[0]?.id;
  for (const name of ['Big deal', 'Small deal']) {
    const res = await page.request.post('/api/v1/deals', {
      data: { pipelineId, name, amount: 1000, currency: 'NOK' },
      headers: { origin: server.url },
    });
    expect(res.status(), await res.text()).toBe(201);
  }
  await page.goto('/deals?view=table');
  const deals = page.getByRole('table', { name: 'Deals' });
  await deals.getByRole('link', { name: 'Big deal' }).waitFor();
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'Score' }).check();
  await page.keyboard.press('Escape');
  await deals.getByRole('button', { name: 'Edit Score of Big deal' }).click();
  const score = deals.getByLabel('Score', { exact: true });
  await score.fill('9');
  await score.press('Enter');
  await expect.poll(async () => deals.getByRole('button', { name: 'Edit Score of Big deal' }).textContent()).toBe('9');
  await page.getByRole('button', { name: 'Add filter' }).click();
  await page.getByLabel('Field').selectOption('cf.score');
  await page.getByLabel('Condition').selectOption('gt');
  await page.getByLabel('Value').fill('5');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect.poll(async () => deals.getByRole('link', { name: 'Small deal' }).count()).toBe(0);
  await deals.getByRole('link', { name: 'Big deal' }).waitFor();
});
