import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * API keys and webhooks through the UI: a key created on its settings page works with fetch
 * against /api/v1/people; a webhook to a local receiver gets the person created in the UI,
 * and the delivery shows in its log (the delivery job runs every minute).
 */
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let receiver: Server;
const received: string[] = [];

beforeAll(async () => {
  server = await startServer({ WEBHOOKS_ALLOW_PRIVATE_URLS: 'true' });
  browser = await launchBrowser();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  await new Promise<void>((r) => receiver.close(() => r()));
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

it('[P-SEC-5] creates an API key in the UI and uses it; a webhook receives a person created in the UI and logs the delivery', async () => {
  const page = await firstRun();

  await page.getByRole('link', { name: 'API keys', exact: true }).click();
  await page.getByRole('textbox', { name: /^Name/ }).fill('Script');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.getByTestId('shown-once').textContent())?.trim() ?? '';
  expect(key).toMatch(/^tlt_/);

  const viaKey = await fetch(`${server.url}/api/v1/people`, { headers: { authorization: `Bearer ${key}` } });
  expect(viaKey.status).toBe(200);
  const refused = await fetch(`${server.url}/api/v1/people`, {
    headers: { authorization: 'Bearer tlt_000000000000_nope' },
  });
  expect(refused.status).toBe(401);

  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await page.getByRole('textbox', { name: /URL/ }).fill(url);
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await page.getByTestId('shown-once').waitFor();

  // The key holds only people:read, so a write with it is refused.
  const made = await fetch(`${server.url}/api/v1/people`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ firstName: 'Webhook', lastName: 'Person', subjectCategories: ['client'] }),
  });
  expect(made.status).toBe(403);

  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Webhook');
  await page.getByLabel('Last name').fill('Person');
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Webhook Person' }).waitFor();

  // The delivery job runs every minute.
  const deadline = Date.now() + 150_000;
  while (!received.some((b) => b.includes('"person.created"')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
  }
  expect(received.some((b) => b.includes('"person.created"') && b.includes('Webhook'))).toBe(true);

  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await page.getByRole('table', { name: 'Deliveries' }).getByText('Delivered').first().waitFor({ timeout: 30_000 });
}, 240_000);
