import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Export and merge (issue 3): the CSV of a filtered people view holds only that view's rows,
 * and two duplicates found by the duplicate finder are merged in the merge screen; the company
 * duplicates page shows a pair, links its merge screen and marks it not duplicates.
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
  context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1600, height: 1000 },
    acceptDownloads: true,
  });
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

/** People are made through the API (the person form has its own e2e test). */
async function makePerson(page: Page, body: Record<string, unknown>): Promise<{ id: string }> {
  const data = { subjectCategories: ['client'], ...body };
  const res = await page.request.post('/api/v1/people', { data, headers: { origin: server.url } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: string };
}

/** RFC 4180 rows, enough for the export's own output. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += ch;
  }
  return rows;
}

it('[P-CRM-1] exports the filtered people view as CSV: only the filtered rows', async () => {
  const page = await firstRun();
  await makePerson(page, { firstName: 'Ada', lastName: 'Lovelace', tags: ['vip'] });
  await makePerson(page, { firstName: 'Alan', lastName: 'Turing', tags: ['vip'] });
  await makePerson(page, { firstName: 'Grace', lastName: 'Hopper', tags: ['navy'] });

  await page.goto('/people?tag=vip');
  const table = page.getByRole('table', { name: 'People' });
  await table.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
  await expect(table.getByRole('link', { name: 'Grace Hopper' }).count()).resolves.toBe(0);

  await page.getByRole('button', { name: 'Export' }).click();
  const downloading = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: 'CSV', exact: true }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^people-\d{4}-\d{2}-\d{2}\.csv$/);
  const path = await download.path();
  const [header, ...rows] = parseCsv(await readFile(path, 'utf8'));
  const first = header?.indexOf('firstName') ?? -1;
  expect(first).toBeGreaterThanOrEqual(0);
  expect(rows.map((r) => r[first]).sort()).toEqual(['Ada', 'Alan']);
});

it('finds two duplicates and merges them in the merge screen, keeping both emails', async () => {
  const page = context.pages()[0] ?? (await firstRun());
  const kari = await makePerson(page, {
    firstName: 'Kari',
    lastName: 'Nordmann',
    title: 'Buyer',
    emails: [{ value: 'kari@fjord.example' }],
  });
  await makePerson(page, {
    firstName: 'Kari M.',
    lastName: 'Nordmann',
    title: 'Head of buying',
    emails: [{ value: 'kari@fjord.example' }, { value: 'kari.home@fjord.example', type: 'home' }],
  });

  await page.goto('/people');
  await page.getByRole('link', { name: 'Find duplicates' }).click();
  await page.getByRole('heading', { name: 'Duplicates' }).waitFor();
  await page.getByText('Same email', { exact: true }).waitFor();
  await page.getByRole('link', { name: /^Merge Kari/ }).click();

  await page.getByRole('heading', { name: 'Merge people' }).waitFor();
  await page.getByRole('radio', { name: /^Kari Nordmann/ }).check();
  await page.getByLabel('Job title').selectOption('merged');
  const preview = page.getByRole('table', { name: 'After the merge' });
  await preview.getByText('Head of buying').waitFor();
  await preview.getByText('kari@fjord.example, kari.home@fjord.example').waitFor();

  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  await page.getByRole('button', { name: 'Merge for good' }).click();
  await page.waitForURL(`**/people/${kari.id}`);
  await page.getByRole('heading', { name: 'Kari Nordmann' }).waitFor();
  await page.getByText('kari.home@fjord.example').first().waitFor();
  await page.getByText('Head of buying').first().waitFor();

  // The pair is gone from the duplicates, and only one Kari is left.
  await page.goto('/people/duplicates');
  await page.getByText('No duplicates found.').waitFor();
  const list = await page.request.get('/api/v1/people?q=kari');
  expect(((await list.json()) as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([kari.id]);
});

it('finds two companies with the same domain, links the merge screen, and marks them not duplicates', async () => {
  const page = context.pages()[0] ?? (await firstRun());
  const made: string[] = [];
  for (const name of ['Fjord Shipping', 'Fjord Shipping AS']) {
    const res = await page.request.post('/api/v1/companies', {
      data: { name, domain: 'fjordshipping.example' },
      headers: { origin: server.url },
    });
    expect(res.status(), await res.text()).toBe(201);
    made.push(((await res.json()) as { id: string }).id);
  }

  await page.goto('/companies');
  await page.getByRole('link', { name: 'Find duplicates' }).click();
  await page.getByRole('heading', { name: 'Duplicate companies' }).waitFor();
  const table = page.getByRole('table', { name: 'Duplicate companies' });
  await table.getByText('Same domain', { exact: true }).waitFor();
  await table.getByRole('link', { name: 'Fjord Shipping AS', exact: true }).waitFor();
  await table.getByText('fjordshipping.example').first().waitFor();
  const merge = table.getByRole('link', { name: /^Merge Fjord Shipping/ });
  const href = new URL((await merge.getAttribute('href')) ?? '', server.url);
  expect(href.pathname).toBe('/companies/merge');
  expect([href.searchParams.get('a'), href.searchParams.get('b')].sort()).toEqual([...made].sort());

  await table.getByRole('button', { name: /^Not duplicates: Fjord Shipping/ }).click();
  await page.getByText('No duplicates found.').waitFor();
});
