import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Deals on the pipeline board: a deal created through the form, moved with the keyboard
 * alternative ("Move {name}") and by dragging its card, its stage history, the table view,
 * and the way to the trash and back.
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

const column = (page: Page, stage: string) => page.getByRole('region', { name: stage, exact: true });

it('[P-CRM-3] creates a deal, moves it on the board by keyboard and by drag and drop, shows its history', async () => {
  const page = await firstRun();

  await page.getByRole('link', { name: 'Companies', exact: true }).click();
  await page.getByRole('link', { name: 'New company' }).click();
  await page.getByLabel('Name').fill('Fjord Fisk AS');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Fjord Fisk AS' }).waitFor();

  // The default pipeline appears on first use.
  await page.getByRole('link', { name: 'Deals', exact: true }).click();
  await column(page, 'Lead').waitFor();
  await column(page, 'Won').waitFor();

  await page.getByRole('link', { name: 'New deal' }).click();
  await page.getByLabel('Deal name').fill('Salmon contract');
  await page.getByLabel('Amount').fill('12500.50');
  await page.getByLabel('Currency').selectOption('NOK');
  await page.getByLabel('Expected close').fill('2026-12-15');
  await page.getByLabel('Company').click();
  await page.getByRole('option', { name: 'Fjord Fisk AS' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Salmon contract' }).waitFor();
  const money = new Intl.NumberFormat('en', { style: 'currency', currency: 'NOK' }).format(12500.5);
  await page.getByText(money).first().waitFor();

  // On the board, in the first stage, with its company; the header counts and sums.
  await page.getByRole('link', { name: 'Back to deals' }).click();
  const lead = column(page, 'Lead');
  await lead.getByRole('link', { name: 'Salmon contract' }).waitFor();
  await lead.getByText('Fjord Fisk AS').waitFor();
  await lead.getByText(`1 deal · ${money}`).waitFor();

  // The keyboard alternative: a select on the card.
  const move = page.getByLabel('Move Salmon contract');
  await move.focus();
  await move.selectOption({ label: 'Qualified' });
  await column(page, 'Qualified').getByRole('link', { name: 'Salmon contract' }).waitFor();
  await expect.poll(() => lead.getByRole('link', { name: 'Salmon contract' }).count()).toBe(0);

  // Drag and drop the card onto another column.
  await page.locator('[data-deal="Salmon contract"]').dragTo(column(page, 'Proposal'));
  await column(page, 'Proposal').getByRole('link', { name: 'Salmon contract' }).waitFor();

  // The server kept it there.
  await page.reload();
  await column(page, 'Proposal').getByRole('link', { name: 'Salmon contract' }).waitFor();
  expect(await page.getByLabel('Move Salmon contract').inputValue()).toBeTruthy();

  // The table view lists it with its stage.
  await page.getByRole('button', { name: 'Table' }).click();
  const table = page.getByRole('table', { name: 'Deals' });
  await table.getByRole('link', { name: 'Salmon contract' }).waitFor();
  await table.getByText(money).waitFor();

  // The history: created in Lead, then Qualified, then Proposal.
  await table.getByRole('link', { name: 'Salmon contract' }).click();
  const history = page.getByRole('table', { name: 'Stage history' });
  await history.waitFor();
  await expect.poll(() => history.getByRole('row').count()).toBe(4);
  const rows = await history.getByRole('row').allTextContents();
  expect(rows[1]).toContain('Qualified');
  expect(rows[1]).toContain('Proposal');
  expect(rows[3]).toContain('Lead');

  // To the trash and back.
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
  await page.getByText('Salmon contract was moved to the trash.').waitFor();
  await expect.poll(() => page.getByRole('link', { name: 'Salmon contract' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('heading', { name: 'Salmon contract' }).waitFor();
});
