import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Tasks and projects: a project, a task in it linked to a person (picked in the searchable
 * select), the task in the person's Tasks section, and completing it there by ticking it.
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

it('[P-CRM-4] creates a project and a task linked to a person, sees it on the person page and completes it there', async () => {
  const page = await firstRun();

  // A person to link the task to.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

  // A project.
  await page.getByRole('link', { name: 'Projects', exact: true }).click();
  await page.getByRole('link', { name: 'New project' }).click();
  await page.getByLabel('Name').fill('Engine launch');
  await page.getByLabel('Status').selectOption('active');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Engine launch' }).waitFor();

  // A task in the project (the project's "Add task" fills it in), linked to Ada.
  await page.getByRole('link', { name: 'Add task' }).click();
  await page.getByLabel('Title').fill('Send the analytical notes');
  await page.getByLabel('Due').fill('2030-03-01T10:00');
  await page.getByLabel('Priority').selectOption('high');
  await expect.poll(() => page.getByLabel('Project').inputValue()).not.toBe('');
  await page.getByLabel('Link a person').click();
  await page.getByRole('option', { name: /Ada Lovelace/ }).click();
  await page.getByRole('list', { name: 'Linked people' }).getByText('Ada Lovelace').waitFor();
  await page.getByRole('button', { name: 'Create task' }).click();
  await page.getByRole('heading', { name: 'Send the analytical notes' }).waitFor();

  // It is on the project page and in my tasks.
  await page.getByRole('link', { name: 'Projects', exact: true }).click();
  await page.getByRole('link', { name: 'Engine launch' }).click();
  await page.getByRole('table', { name: 'Tasks of Engine launch' }).getByText('Send the analytical notes').waitFor();
  await page.getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.getByRole('table', { name: 'Tasks' }).getByText('Send the analytical notes').waitFor();

  // Quick add makes a task for me.
  await page.getByLabel('Quick add').fill('Call Charles');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('table', { name: 'Tasks' }).getByText('Call Charles').waitFor();

  // On Ada's page, in the Tasks section: tick it to complete it.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'Ada Lovelace' }).first().click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  const section = page.getByRole('table', { name: 'Tasks of this record' });
  await section.getByText('Send the analytical notes').waitFor();
  await expect.poll(() => section.getByText('Call Charles').count()).toBe(0);
  const tick = page.getByRole('checkbox', { name: 'Complete Send the analytical notes' });
  expect(await tick.isChecked()).toBe(false);
  await tick.click();
  await expect.poll(() => tick.isChecked()).toBe(true);
  await section.getByText('Done', { exact: true }).waitFor();

  // Done: it leaves "my tasks to do", and the server agrees.
  await page.getByRole('link', { name: 'Tasks', exact: true }).click();
  await page.getByRole('table', { name: 'Tasks' }).getByText('Call Charles').waitFor();
  await expect.poll(() => page.getByText('Send the analytical notes').count()).toBe(0);
  const res = await page.request.get('/api/v1/tasks?status=done');
  const body = (await res.json()) as { items: { title: string; completedAt: string | null }[] };
  expect(body.items.map((t) => t.title)).toEqual(['Send the analytical notes']);
  expect(body.items[0]?.completedAt).not.toBeNull();

  // The bell is there, with nothing unread.
  await page.getByRole('button', { name: 'Notifications', exact: true }).click();
  await page.getByText('Nothing new.').waitFor();
});
