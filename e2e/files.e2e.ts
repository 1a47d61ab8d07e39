import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { type RunningServer, startServer } from './support/server.ts';

/**
 * Files on a person (P-CRM-7) and the person's photo (P-CRM-1): an image uploaded to the
 * Files section shows its thumbnail, downloads byte for byte, goes to the trash and comes
 * back from it.
 */
let server: RunningServer;
let browser: Browser;
let context: BrowserContext;

// A 64×48 red PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAwCAIAAAAuKetIAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAfElEQVRoge2SAQkAQBCDFsf+KYz1McbxAwPoWITTpG7gAqiv6C7EXVI3cAHUV3QX4i6pG7gA6iu6C3GX1A1cAPUV3YW4S+oGLoD6iu5C3CV1AxdAfUV3Ie6SuoELoL6iuxB3Sd3ABVBf0V2Iu6Ru4AKor+guxF1SN/DzgAePoCDEhz0qaQAAAABJRU5ErkJggg==',
  'base64',
);

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
    viewport: { width: 1400, height: 1000 },
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

/** Whether an <img> has loaded real pixels. */
const loaded = (page: Page, name: string) =>
  page
    .getByRole('img', { name })
    .evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0);

it('[P-CRM-7] [P-CRM-1] uploads an image to a person, shows its thumbnail, downloads it, deletes and restores it', async () => {
  const page = await firstRun();
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.getByRole('link', { name: 'New person' }).click();
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Client').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

  // Upload through the Files section's file input (the drop zone's button).
  await page.getByText('No files yet.').waitFor();
  await page
    .getByTestId('files-dropzone')
    .locator('input[type=file]')
    .setInputFiles({ name: 'harbour.png', mimeType: 'image/png', buffer: PNG });
  await page.getByText('The file was uploaded.').waitFor();
  const files = page.getByRole('table', { name: 'Files' });
  await files.getByRole('link', { name: 'Download harbour.png' }).waitFor();
  await files.getByText('Olivia Owner').waitFor();
  await expect.poll(() => loaded(page, 'Thumbnail of harbour.png'), { timeout: 15_000 }).toBe(true);

  // The download is the same bytes.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    files.getByRole('link', { name: 'Download harbour.png' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('harbour.png');
  const saved = await download.path();
  expect(readFileSync(saved).equals(PNG)).toBe(true);

  // The person's photo: shown on the page and as the avatar in the people list.
  await page.locator('input[type=file][accept^="image/"]').setInputFiles({
    name: 'ada.png',
    mimeType: 'image/png',
    buffer: PNG,
  });
  await page.getByRole('button', { name: 'Change photo' }).waitFor();
  await expect.poll(() => loaded(page, 'Photo of Ada Lovelace'), { timeout: 15_000 }).toBe(true);

  // To the trash, after a confirmation; the list is empty again.
  await files.getByRole('button', { name: 'Delete harbour.png' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Move to trash' }).click();
  await page.getByText('harbour.png was moved to the trash.').waitFor();
  await page.getByText('No files yet.').waitFor();

  // The trash lists it; restored, it is back on the person.
  await page.getByRole('link', { name: 'Trash', exact: true }).click();
  const trash = page.getByRole('table', { name: 'Trash' });
  const row = trash.getByRole('row', { name: /harbour\.png/ });
  await row.getByText('File').waitFor();
  await row.getByRole('button', { name: 'Restore harbour.png' }).click();
  await page.getByText('harbour.png was restored.').waitFor();
  await page.getByRole('link', { name: 'People', exact: true }).click();
  const avatar = page.getByRole('table', { name: 'People' }).locator('img').first();
  await expect
    .poll(() => avatar.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), { timeout: 15_000 })
    .toBe(true);
  await page.getByRole('link', { name: 'Ada Lovelace' }).click();
  await page.getByRole('table', { name: 'Files' }).getByRole('link', { name: 'Download harbour.png' }).waitFor();
});
