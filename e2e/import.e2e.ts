import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Import of people (P-CRM-10): a generated CSV of 1,000 rows of which 10 are bad, through
 * the Import page reached from People: upload, the suggested mapping, a dry run, the run
 * with its progress, the report of the 10 bad rows, and undo.
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
  page.setDefaultTimeout(20_000);
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

/** 1,000 rows; rows 100, 200, ... 1000 of the data (10 rows) have an invalid email. */
function generateCsv(): string {
  const lines = ['First Name,Last Name,Email,Phone,Company'];
  for (let i = 1; i <= 1000; i++) {
    const email = i % 100 === 0 ? `not-an-email-${i}` : `person${i}@import.example`;
    lines.push(`Person${i},"Import, ${i}",${email},+47 4${String(i).padStart(7, '0')},Company ${i % 7}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The live status line of the import shown (the list of recent imports repeats the words). */
const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });

async function countPeople(page: Page, q: string): Promise<number> {
  return page.evaluate(async (query) => {
    let total = 0;
    let after: string | null = null;
    do {
      const url: string = `/api/v1/people?q=${encodeURIComponent(query)}&limit=200${after ? `&after=${after}` : ''}`;
      const res = await fetch(url);
      const body = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      total += body.items.length;
      after = body.nextCursor;
    } while (after);
    return total;
  }, q);
}

it('[P-CRM-10] imports a CSV of 1,000 rows with 10 bad ones: 990 in, a report of 10 rows, then undoes it', async () => {
  const page = await firstRun();
  const dir = mkdtempSync(path.join(tmpdir(), 'tillit-import-e2e-'));
  const file = path.join(dir, 'people.csv');
  writeFileSync(file, generateCsv());

  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: 'Import people' }).waitFor();

  await page.getByLabel('File to import').setInputFiles(file);
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.getByText('people.csv is uploaded').waitFor();

  // The suggested mapping, by column names.
  const mapping = page.getByRole('table', { name: 'Column mapping' });
  await mapping.waitFor();
  await expect(page.getByLabel('Field for First Name').inputValue()).resolves.toBe('firstName');
  await expect(page.getByLabel('Field for Email').inputValue()).resolves.toBe('email');
  await expect(page.getByLabel('Field for Company').inputValue()).resolves.toBe('company');
  await page.getByLabel('Field for Phone').selectOption('phone.work');

  // A dry run writes nothing and shows what would happen.
  await page.getByRole('button', { name: 'Dry run' }).click();
  await page.getByRole('heading', { name: '3. Dry run: nothing was written' }).waitFor();
  await status(page, 'Finished.').waitFor();
  await page.getByText('Would create: 990').waitFor();
  await page.getByText('With problems: 10').waitFor();
  expect(await countPeople(page, 'person')).toBe(0);

  // The run, with its progress bar.
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByRole('heading', { name: '3. Import', exact: true }).waitFor();
  await status(page, 'Finished.').waitFor({ timeout: 60_000 });
  await page.getByText('Created: 990').waitFor();
  await page.getByText('With problems: 10').waitFor();
  await page.getByLabel('Import progress').waitFor();
  const problems = page.getByRole('table', { name: 'First problems' });
  await problems.getByRole('cell', { name: 'is not a valid email address' }).first().waitFor();
  expect(await countPeople(page, 'person')).toBe(990);
  // The search postings follow the batches (decision 0009); the page says when they are there.
  await page.getByText('The search finds them.').waitFor({ timeout: 60_000 });
  const found = await page.evaluate(async () => {
    const res = await fetch('/api/v1/search?q=persn%20999&limit=5');
    return ((await res.json()) as { items: { title: string }[] }).items.map((i) => i.title);
  });
  expect(found).toContain('Person999 Import, 999');

  // The report: a header and one line per bad row, naming the row and the column.
  const downloading = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the report (CSV)' }).click();
  const download = await downloading;
  const reportPath = path.join(dir, 'report.csv');
  await download.saveAs(reportPath);
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(reportPath, 'utf8').trim().split('\r\n');
  expect(lines[0]).toBe('row,field,problem');
  expect(lines).toHaveLength(11);
  // Data row 100 is the file's row 101 (the header is row 1).
  expect(lines[1]).toBe('101,Email,is not a valid email address');

  // Undo: the 990 people go again.
  await page.getByRole('button', { name: 'Undo import' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Undo import' }).click();
  await status(page, 'Undone.').waitFor({ timeout: 60_000 });
  expect(await countPeople(page, 'person')).toBe(0);
}, 180_000);
