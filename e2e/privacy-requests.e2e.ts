import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Requests from the people in the data: a person asks for a copy of their data on the public
 * page (on a phone, no account), confirms the address with the code emailed to them (read
 * from the dev outbox), staff fulfil it and the person downloads the package by the link
 * (P-DSR-1, P-DSR-8); then an erasure request is fulfilled and a CSV import with the same
 * address is refused (P-DSR-3). A person asks for a correction in words and fields, staff add
 * to the proposed correction and apply it to the record (P-DSR-2).
 */
let server: RunningServer;
let browser: Browser;
/** The owner's page and workspace from the first test, for the next. */
let ownerPage: Page | null = null;
let workspaceOf = '';
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

async function newPage(viewport = { width: 1400, height: 1000 }): Promise<Page> {
  const context = await browser.newContext({ baseURL: server.url, viewport, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function firstRun(): Promise<Page> {
  const page = await newPage();
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

/** The newest mail of a kind to an address, from the dev outbox (the owner is instance admin). */
async function lastMail(owner: Page, to: string, kind: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const body = (await owner.evaluate(() => fetch('/api/outbox?limit=50').then((r) => r.json()))) as {
      messages: { to: string; kind: string; text: string }[];
    };
    const found = body.messages.find((m) => m.to === to && m.kind === kind);
    if (found) return found.text;
    await owner.waitForTimeout(200);
  }
  throw new Error(`no ${kind} mail to ${to}`);
}

it('[P-DSR-1] [P-DSR-8] [P-DSR-3] a person asks for their data on the public page, downloads it, then is erased and cannot be imported again', async () => {
  const owner = await firstRun();

  // A person with an address and a note.
  await owner.getByRole('link', { name: 'People', exact: true }).click();
  await owner.getByRole('link', { name: 'New person' }).click();
  await owner.getByLabel('First name').fill('Kari');
  await owner.getByLabel('Last name').fill('Nordmann');
  await owner.getByLabel('Client').check();
  const created = await owner.evaluate(async () => {
    const me = await fetch('/api/account/me').then((r) => r.json());
    return me as { activeWorkspaceId: string };
  });
  const workspaceId = created.activeWorkspaceId;
  ownerPage = owner;
  workspaceOf = workspaceId;
  await owner.getByRole('button', { name: 'Save' }).click();
  await owner.getByRole('heading', { name: 'Kari Nordmann' }).waitFor();
  const personId = new URL(owner.url()).pathname.split('/').at(-1) ?? '';
  const patched = await owner.evaluate(
    async ({ id }) =>
      (
        await fetch(`/api/v1/people/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ emails: [{ value: 'kari@example.org', type: 'home' }] }),
        })
      ).status,
    { id: personId },
  );
  expect(patched).toBe(200);

  // The admin finds the public page's address on the Privacy requests page.
  await owner.getByRole('link', { name: 'Privacy requests' }).click();
  await owner.getByRole('heading', { name: 'Public request page' }).waitFor();
  const publicPath = `/privacy/${workspaceId}`;
  await owner.getByRole('link', { name: new RegExp(`${publicPath}$`) }).waitFor();

  // The person, on a phone, without an account.
  const person = await newPage({ width: 390, height: 844 });
  await person.goto(publicPath);
  await person.getByRole('heading', { name: 'Your data' }).waitFor();
  await person.getByRole('link', { name: /Datatilsynet/ }).waitFor(); // where to complain (P-DSR-8)
  await person.getByLabel('Your email address').fill('kari@example.org');
  await person.getByLabel('What do you want?').selectOption('access');
  await person.getByRole('button', { name: 'Send me a code' }).click();
  await person.getByText('we sent a 6-digit code').waitFor();
  const code = (await lastMail(owner, 'kari@example.org', 'privacy_request_code')).match(/\b(\d{6})\b/)?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  await person.getByLabel('Code from the email').fill(code);
  await person.getByRole('button', { name: 'Confirm' }).click();
  await person.getByText('Request received').waitFor();

  // Staff: the request is in the inbox, matched to Kari; prepare the copy of the data.
  await owner.reload();
  const inbox = owner.getByRole('table', { name: 'Requests from data subjects' });
  await inbox.getByRole('cell', { name: 'Kari Nordmann' }).waitFor();
  await inbox.getByRole('link', { name: 'Access' }).click();
  await owner.getByRole('button', { name: 'Prepare the copy of the data' }).click();
  await owner.getByText('Download link').waitFor();
  const link = await lastMail(owner, 'kari@example.org', 'privacy_request_package_link');
  const url = link.match(/https?:\/\/\S+\/api\/public\/privacy\/\S+/)?.[0] ?? '';
  expect(url).toContain(`/api/public/privacy/${workspaceId}/packages/`);

  // The person downloads it by the link (no account): a zip with the readable report.
  let zip: Buffer | null = null;
  for (let i = 0; i < 100 && !zip; i++) {
    const res = await person.request.get(url);
    if (res.status() === 200) zip = Buffer.from(await res.body());
    else {
      expect(res.status()).toBe(409); // still being prepared
      await person.waitForTimeout(300);
    }
  }
  expect(zip?.subarray(0, 2).toString()).toBe('PK');
  expect(zip?.includes(Buffer.from('report.html'))).toBe(true);
  expect(zip?.includes(Buffer.from('Nordmann'))).toBe(true);
  const report = await person.request.get(`${url}?part=report.html`);
  expect(report.status()).toBe(200);
  expect(await report.text()).toContain('kari@example.org');
  await owner.reload();
  await owner.getByText('Fulfilled').first().waitFor();
  await owner.getByRole('cell', { name: 'Copy of the data downloaded' }).first().waitFor();

  // Erasure, recorded by staff on the person's page and fulfilled.
  await owner.goto(`/people/${personId}`);
  const section = owner.locator('section', { has: owner.getByRole('heading', { name: 'Requests', exact: true }) });
  await section.getByRole('button', { name: 'Record a request' }).click();
  await section.getByLabel('Kind').selectOption('erasure');
  await section.getByRole('button', { name: 'Record the request' }).click();
  const requests = owner.getByRole('table', { name: 'Requests' });
  await requests.getByRole('link', { name: 'Erasure' }).click();
  await owner.getByLabel('Type ERASE to confirm').fill('ERASE');
  await owner.getByRole('button', { name: 'Erase the person' }).click();
  await owner.getByText('Fulfilled').first().waitFor();
  await owner.getByText('certificates').waitFor();

  // A CSV with the same address is refused by the import.
  const dir = mkdtempSync(path.join(tmpdir(), 'tillit-dsr-e2e-'));
  const file = path.join(dir, 'people.csv');
  writeFileSync(file, 'First Name,Last Name,Email\r\nKari,Nordmann,kari@example.org\r\nOla,Hansen,ola@example.org\r\n');
  await owner.getByRole('link', { name: 'People', exact: true }).click();
  await owner.getByRole('link', { name: 'Import', exact: true }).click();
  await owner.getByLabel('File to import').setInputFiles(file);
  await owner.getByRole('button', { name: 'Upload' }).click();
  await owner.getByText('people.csv is uploaded').waitFor();
  await owner.getByRole('button', { name: 'Import', exact: true }).click();
  await owner.getByRole('status').filter({ hasText: 'Finished.' }).waitFor({ timeout: 60_000 });
  await owner.getByText('Created: 1').waitFor();
  await owner.getByText('With problems: 1').waitFor();
  await owner
    .getByRole('table', { name: 'First problems' })
    .getByRole('cell', { name: /asked to be erased/ })
    .waitFor();
});

it('[P-DSR-2] a person asks for a correction in words and fields; staff adjust it and apply it to the record', async () => {
  const owner = ownerPage;
  if (!owner) throw new Error('the first test sets up the workspace');
  const made = await owner.evaluate(async () => {
    const res = await fetch('/api/v1/people', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Per',
        lastName: 'Feilstavet',
        emails: [{ value: 'per@example.org', type: 'home' }],
        subjectCategories: ['client'],
      }),
    });
    return (await res.json()) as { id: string };
  });

  const person = await newPage({ width: 390, height: 844 });
  await person.goto(`/privacy/${workspaceOf}`);
  await person.getByLabel('Your email address').fill('per@example.org');
  await person.getByLabel('What do you want?').selectOption('rectification');
  await person.getByLabel('Anything we should know (optional)').fill('My surname is spelt Feilstavnet, with an n.');
  await person.getByLabel('Last name').fill('Feilstavnet');
  await person.getByRole('button', { name: 'Send me a code' }).click();
  await person.getByText('we sent a 6-digit code').waitFor();
  const code = (await lastMail(owner, 'per@example.org', 'privacy_request_code')).match(/\b(\d{6})\b/)?.[1] ?? '';
  await person.getByLabel('Code from the email').fill(code);
  await person.getByRole('button', { name: 'Confirm' }).click();
  await person.getByText('Request received').waitFor();

  // Staff open it: the proposed correction shows; they add the job title and apply it.
  await owner.goto('/privacy-requests');
  const inbox = owner.getByRole('table', { name: 'Requests from data subjects' });
  await inbox.getByRole('cell', { name: 'Per Feilstavet' }).waitFor();
  await inbox.getByRole('link', { name: 'Correction' }).click();
  await owner.getByRole('heading', { name: 'Proposed correction' }).waitFor();
  const form = owner.getByRole('form', { name: 'Edit the correction' });
  await expect.poll(() => form.getByLabel('Last name').inputValue()).toBe('Feilstavnet');
  await form.getByLabel('Job title').fill('Engineer');
  await form.getByRole('button', { name: 'Save the correction' }).click();
  await owner.getByRole('cell', { name: 'Correction edited' }).waitFor();
  await owner.getByRole('button', { name: 'Apply the correction' }).click();
  await owner.getByText('Fulfilled').first().waitFor();

  await owner.goto(`/people/${made.id}`);
  await owner.getByRole('heading', { name: 'Per Feilstavnet' }).waitFor();
  await owner.getByText('Engineer').first().waitFor();
});
