import type { TCreateImportBody, TImport, TImportFile, TImportPreview, TSubjectCategory } from '@tillit/contracts';
import { expect } from 'vitest';
import type { TestClient } from '../../../test/harness.ts';

export async function upload(
  client: TestClient,
  name: string,
  content: string,
  type = 'text/csv',
): Promise<TImportFile> {
  const res = await client.post<TImportFile>(`/api/v1/imports/files?name=${encodeURIComponent(name)}`, content, {
    'content-type': type,
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

export async function preview(client: TestClient, fileId: string, query = ''): Promise<TImportPreview> {
  const res = await client.get<TImportPreview>(`/api/v1/imports/files/${fileId}/preview${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const TERMINAL = new Set(['done', 'failed', 'undone']);

/** Polls an import until its run (started in-process by the route) has finished; with
 *  `searchIndex`, also until the search postings of what it wrote, which the route's run
 *  writes next (`import.index`), are there. */
export async function waitFor(client: TestClient, id: string, opts: { searchIndex?: boolean } = {}): Promise<TImport> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await client.get<TImport>(`/api/v1/imports/${id}`);
    expect(res.status, res.text).toBe(200);
    if (TERMINAL.has(res.body.status) && (!opts.searchIndex || res.body.searchIndex === 'done')) return res.body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export const DEFAULTS: { subjectCategories: TSubjectCategory[] } = { subjectCategories: ['client'] };

/** Uploads `csv`, imports it with the suggested mapping (or `mapping`), waits for the end. */
export async function importCsv(
  client: TestClient,
  csv: string,
  body: Partial<TCreateImportBody> = {},
  name = 'people.csv',
): Promise<TImport> {
  const file = await upload(client, name, csv);
  const mapping =
    body.mapping ?? (file.format === 'csv' ? (await preview(client, file.id)).suggestedMapping : undefined);
  const res = await client.post<TImport>('/api/v1/imports', {
    fileId: file.id,
    duplicates: 'skip',
    defaults: DEFAULTS,
    ...(mapping ? { mapping } : {}),
    ...body,
  });
  expect(res.status, res.text).toBe(202);
  return waitFor(client, res.body.id, { searchIndex: true });
}

export async function undo(client: TestClient, id: string): Promise<TImport> {
  const res = await client.post<TImport>(`/api/v1/imports/${id}/undo`, {});
  expect(res.status, res.text).toBe(202);
  return waitFor(client, id);
}
