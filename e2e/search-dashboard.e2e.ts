import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * The command palette (Ctrl+K from anywhere: a misspelled name finds the person, Enter opens
 * the record; "go to" actions) and the home page's two charts.
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
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1400, height: 1000 } });
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

/** A JSON call from the page, with its session (same origin, so CSRF is satisfied). */
async function call(page: Page, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await page.evaluate(
    async ([m, p, b]) => {
      const r = await fetch(p as string, {
        method: m as string,
        headers: b ? { 'content-type': 'application/json' } : {},
        body: b ? JSON.stringify(b) : undefined,
      });
      return { status: r.status, body: await r.json() };
    },
    [method, path, body] as const,
  );
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body as Record<string, unknown>;
}

it('Ctrl+K finds a misspelled person and opens the record; the home page shows the two charts', async () => {
  const page = await firstRun();
  const person = (await call(page, 'POST', '/api/v1/people', {
    firstName: 'Johanna',
    lastName: 'Kristiansen',
    emails: [{ value: 'johanna@fjordfisk.example', type: 'work' }],
    subjectCategories: ['client'],
  })) as { id: string };
  await call(page, 'POST', '/api/v1/people', { firstName: 'Per', lastName: 'Hansen', subjectCategories: ['client'] });

  // Deals for the charts: two open in different stages, one won, one lost (this month).
  const pipelines = (await call(page, 'GET', '/api/v1/pipelines')) as {
    items: { id: string; stages: { id: string; name: string }[] }[];
  };
  const sales = pipelines.items[0];
  if (!sales) throw new Error('no pipeline');
  const stage = (name: string) => sales.stages.find((s) => s.name === name)?.id;
  const deal = async (name: string, amount: number, to?: string) => {
    const d = (await call(page, 'POST', '/api/v1/deals', {
      pipelineId: sales.id,
      name,
      amount,
      currency: 'NOK',
    })) as { id: string };
    if (to) await call(page, 'POST', `/api/v1/deals/${d.id}/move`, { stageId: stage(to) });
  };
  await deal('Salmon', 1_250_000);
  await deal('Trout', 500_000, 'Proposal');
  await deal('Cod', 300_000, 'Won');
  await deal('Herring', 100_000, 'Lost');

  // The palette from a list page, with the focus in the page's own search field.
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('table', { name: 'People' }).waitFor();
  await page.keyboard.press('Control+k');
  const input = page.getByRole('combobox', { name: 'Search people and companies' });
  await input.waitFor();
  await input.fill('johana kristainsen');
  const option = page.getByRole('option', { name: /Johanna Kristiansen/ });
  await option.waitFor();
  await expect(option.getAttribute('aria-selected')).resolves.toBe('true');
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/people/${person.id}`);
  await page.getByRole('heading', { name: 'Johanna Kristiansen' }).waitFor();

  // A "go to" action, chosen with the arrow keys.
  await page.keyboard.press('Control+k');
  await input.fill('trash');
  await page.getByRole('option', { name: 'Go to Trash' }).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForURL('**/trash');

  // Home: open value by stage, won and lost per month.
  await page.getByRole('link', { name: 'Home', exact: true }).click();
  const pipelineChart = page.getByTestId('pipeline-chart');
  await pipelineChart.getByRole('figure', { name: 'Open deal value by stage in NOK' }).waitFor();
  const lead = new Intl.NumberFormat('en', { style: 'currency', currency: 'NOK' }).format(12500);
  await pipelineChart.getByText(`${lead} · 1 deal`, { exact: true }).waitFor();
  const wonLost = page.getByTestId('won-lost-chart');
  await wonLost.getByRole('figure', { name: 'Deals won and lost in each of the last 12 months' }).waitFor();
  await wonLost.getByText('Won', { exact: true }).waitFor();
  await wonLost.getByText('Lost', { exact: true }).waitFor();
});
