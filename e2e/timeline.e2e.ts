import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * The timeline of a person (P-CRM-9): a note with bold text written in the editor, a call
 * logged by hand, and the stage change of a deal they take part in, newest first.
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

it("[P-CRM-9] a note with bold text, a logged call and a moved deal appear on the person's timeline", async () => {
  const page = await firstRun();

  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Kari');
  await page.getByLabel('Last name').fill('Nordmann');
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Kari Nordmann' }).waitFor();
  const personId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
  expect(personId).toMatch(/^[0-9a-f-]{36}$/);
  const timeline = page.getByRole('list', { name: 'Timeline' });
  await page.getByText('Nothing here yet.').waitFor();

  // A note: type, select the words, make them bold, add it.
  const editor = page.getByRole('textbox', { name: 'Note', exact: true });
  await editor.click();
  await page.keyboard.type('Wants a quote');
  await editor.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
  });
  await page.getByRole('button', { name: 'Bold' }).click();
  await page.getByRole('button', { name: 'Add note' }).click();
  await page.getByText('Note added.').waitFor();
  await timeline.locator('strong', { hasText: 'Wants a quote' }).waitFor();

  // A call logged by hand.
  await page.getByRole('button', { name: 'Log a call or meeting' }).click();
  await page.getByLabel('Direction').selectOption('in');
  await page.getByLabel('Subject').fill('Renewal call');
  await page.getByLabel('Duration (minutes)').fill('15');
  await page.getByLabel('Outcome').selectOption('connected');
  await page.getByRole('button', { name: 'Log it' }).click();
  await timeline.getByText('Renewal call').waitFor();
  await timeline.getByText('Incoming · 15 min · Connected').waitFor();

  // A deal with Kari, moved on the board: its stage change shows on her timeline.
  const created = await page.evaluate(async (id) => {
    const pipelines = await (await fetch('/api/v1/pipelines')).json();
    const res = await fetch('/api/v1/deals', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        pipelineId: pipelines.items[0].id,
        name: 'Renewal 2027',
        currency: 'NOK',
        personIds: [id],
      }),
    });
    return res.status;
  }, personId);
  expect(created).toBe(201);
  await page.getByRole('link', { name: 'Deals', exact: true }).click();
  const move = page.getByLabel('Move Renewal 2027');
  await move.focus();
  await move.selectOption({ label: 'Qualified' });
  await page
    .getByRole('region', { name: 'Qualified', exact: true })
    .getByRole('link', { name: 'Renewal 2027' })
    .waitFor();

  await page.goto(`/people/${personId}`);
  await timeline.getByText('Renewal 2027 moved from Lead to Qualified').waitFor();
  const entries = timeline.locator(':scope > li');
  // Newest first: the move, the deal's creation, the call (logged for now, before the deal), the note.
  await expect.poll(() => entries.count()).toBe(4);
  await expect(entries.nth(0).textContent()).resolves.toContain('moved from Lead to Qualified');
  await expect(entries.nth(1).textContent()).resolves.toContain('created in Lead');
  const rest = [await entries.nth(2).textContent(), await entries.nth(3).textContent()].join(' ');
  expect(rest).toContain('Renewal call');
  expect(rest).toContain('Wants a quote');
  // The note's HTML is the server's sanitised copy: bold kept, nothing else.
  const html = await timeline.locator('.tillit-note').first().innerHTML();
  expect(html).toContain('<strong>Wants a quote</strong>');
});
