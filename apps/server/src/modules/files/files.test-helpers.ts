import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { TFile } from '@tillit/contracts';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { TestClient, TestEnv } from '../../../test/harness.ts';

export {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makePerson,
} from '../people/people.test-helpers.ts';

/** A multipart/form-data body with one file part (as a browser's FormData sends it). */
export function multipart(
  filename: string,
  content: Buffer,
  declaredType = 'application/octet-stream',
  field = 'file',
): { body: Buffer; contentType: string } {
  const boundary = `----tillit${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${declaredType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, content, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

export type RawResponse = { status: number; body: Buffer; headers: Record<string, unknown>; json: () => unknown };

/**
 * A request with a binary body (or a binary answer) through the app, carrying the client's
 * cookies, workspace and same-origin header. The harness's client sends JSON only, so this
 * reads its cookie jar (a private field: test code only).
 */
export async function rawRequest(
  env: TestEnv,
  client: TestClient,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  payload?: { body: Buffer; contentType: string },
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const jar = (client as unknown as { cookies: Map<string, string> }).cookies;
  const h: Record<string, string> = { origin: 'http://localhost:3000', ...headers };
  if (jar.size) h.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  if (client.workspaceId && !('x-tillit-workspace' in h)) h['x-tillit-workspace'] = client.workspaceId;
  if (payload) h['content-type'] = payload.contentType;
  const res = await env.app.inject({ method, url, headers: h, ...(payload ? { payload: payload.body } : {}) });
  return {
    status: res.statusCode,
    body: res.rawPayload,
    headers: res.headers,
    json: () => JSON.parse(res.body),
  };
}

export async function upload(
  env: TestEnv,
  client: TestClient,
  kind: 'person' | 'company' | 'deal',
  recordId: string,
  filename: string,
  content: Buffer,
  declaredType?: string,
): Promise<RawResponse> {
  return rawRequest(
    env,
    client,
    'POST',
    `/api/v1/files?kind=${kind}&record=${recordId}`,
    multipart(filename, content, declaredType),
  );
}

export async function uploadOk(
  env: TestEnv,
  client: TestClient,
  kind: 'person' | 'company' | 'deal',
  recordId: string,
  filename: string,
  content: Buffer,
  declaredType?: string,
): Promise<TFile> {
  const res = await upload(env, client, kind, recordId, filename, content, declaredType);
  expect(res.status, res.body.toString()).toBe(201);
  return res.json() as TFile;
}

/** A small real PNG (solid colour). */
export async function pngImage(width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
}

/** A JPEG carrying EXIF metadata (camera, artist, copyright) like a phone's photo. */
export async function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 600, height: 400, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'TillitPhone', Model: 'Secret Camera', Artist: 'Jane Doe', Copyright: 'Jane' } })
    .toBuffer();
}

/** Every file under the workspace's storage folder (temporary files included). */
export function storedNames(env: TestEnv, workspaceId: string): string[] {
  try {
    return readdirSync(path.join(env.config.files.dir, workspaceId)).sort();
  } catch {
    return [];
  }
}
