import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type CopyTarget, csvRow } from './copy-target.ts';
import { type LoadResult, timeEach } from './load.ts';
import { createRng, uuid7 } from './rng.ts';

/**
 * The workloads that are not a stream of GETs: the access export of one person (request,
 * fulfil, package built, download), the CSV import beside COPY of the same file, and the
 * retention purge beside a bare DELETE of the same rows.
 */

const ORIGIN_HEADERS = (url: string) => ({ origin: url, 'content-type': 'application/json' });

async function json<T>(res: Response, expected: number, what: string): Promise<T> {
  if (res.status !== expected) throw new Error(`${what}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The access export of one person, as staff handle it: record an access request on the
 * person, fulfil it (the package is built at once in the API process), wait until the
 * package is ready, then download the whole zip. Timed per person, one at a time.
 */
export async function accessExports(url: string, cookie: string, personIds: readonly string[]): Promise<LoadResult> {
  const headers = { cookie, ...ORIGIN_HEADERS(url) };
  return timeEach(personIds.length, 1, async (i) => {
    const created = await json<{ id: string }>(
      await fetch(`${url}/api/v1/privacy/requests`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ personId: personIds[i], kind: 'access', details: 'benchmark' }),
      }),
      201,
      'create access request',
    );
    await json(
      await fetch(`${url}/api/v1/privacy/requests/${created.id}/fulfil`, { method: 'POST', headers, body: '{}' }),
      200,
      'fulfil',
    );
    let packageId: string | null = null;
    for (let tries = 0; packageId === null; tries++) {
      if (tries > 6000) throw new Error('the package was not ready within 120 s');
      const detail = await json<{ packages: { id: string; state: string }[] }>(
        await fetch(`${url}/api/v1/privacy/requests/${created.id}`, { headers: { cookie } }),
        200,
        'request detail',
      );
      const pkg = detail.packages[0];
      if (pkg?.state === 'failed') throw new Error('the package failed');
      if (pkg?.state === 'ready') packageId = pkg.id;
      else await sleep(20);
    }
    const zip = await fetch(`${url}/api/v1/privacy/requests/${created.id}/packages/${packageId}/download`, {
      headers: { cookie },
    });
    if (zip.status !== 200) throw new Error(`download: ${zip.status} ${await zip.text()}`);
    const bytes = (await zip.arrayBuffer()).byteLength;
    if (bytes < 100) throw new Error(`download: only ${bytes} bytes`);
  });
}

export type ThroughputResult = { rows: number; ms: number; rowsPerSec: number };

const throughput = (rows: number, ms: number): ThroughputResult => ({
  rows,
  ms: Math.round(ms),
  rowsPerSec: Math.round((rows / Math.max(ms, 1)) * 1000),
});

export const IMPORT_MAPPING = ['firstName', 'lastName', 'email', 'phone', 'company', 'city', 'country'] as const;

/**
 * The CSV import through Tillit: upload (streamed), start with duplicates skipped, wait until
 * done. Timed from the start request to the finished import (the structure pass over the file,
 * validation, duplicate and tombstone checks, batches with their audit entries), not the upload.
 * The search postings of the imported people are written after the batches (decision 0009):
 * the run then waits for them too, so that they do not run under the COPY baseline, and
 * reports how long after the import they took (`searchIndexMs`; null for a server without it).
 * Both are timed to the import's `finishedAt` (the server's clock, this machine's), not to the
 * poll that first saw it done: a poll answered late (on PGlite the engine was busy with the
 * postings, and the server did not even read the poll until they were written) would count
 * the postings in the import and report them "0.0 s after". The postings' end is the poll
 * that saw them done (polled every 200 ms).
 */
export async function importThroughTillit(
  url: string,
  cookie: string,
  file: string,
): Promise<ThroughputResult & { created: number; failed: number; searchIndexMs: number | null }> {
  const upload = await json<{ id: string }>(
    await fetch(`${url}/api/v1/imports/files?name=people.csv`, {
      method: 'POST',
      headers: { cookie, origin: url, 'content-type': 'text/csv', 'content-length': String(statSync(file).size) },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit),
    201,
    'upload',
  );
  const started = Date.now();
  const created = await json<{ id: string }>(
    await fetch(`${url}/api/v1/imports`, {
      method: 'POST',
      headers: { cookie, ...ORIGIN_HEADERS(url) },
      body: JSON.stringify({
        fileId: upload.id,
        mapping: IMPORT_MAPPING,
        duplicates: 'skip',
        defaults: { subjectCategories: ['client'] },
      }),
    }),
    202,
    'start import',
  );
  for (;;) {
    const state = await json<{
      status: string;
      rowsRead: number;
      created: number;
      failed: number;
      error: string | null;
      searchIndex?: 'pending' | 'done';
      finishedAt: string | null;
    }>(await fetch(`${url}/api/v1/imports/${created.id}`, { headers: { cookie } }), 200, 'import state');
    if (state.status === 'done') {
      const doneAt = state.finishedAt ? Date.parse(state.finishedAt) : Date.now();
      const result = throughput(state.rowsRead, doneAt - started);
      let searchIndex = state.searchIndex;
      while (searchIndex === 'pending') {
        await sleep(200);
        searchIndex = (
          await json<{ searchIndex: 'pending' | 'done' }>(
            await fetch(`${url}/api/v1/imports/${created.id}`, { headers: { cookie } }),
            200,
            'import state',
          )
        ).searchIndex;
      }
      return {
        ...result,
        created: state.created,
        failed: state.failed,
        searchIndexMs: searchIndex === undefined ? null : Math.max(0, Math.round(Date.now() - doneAt)),
      };
    }
    if (state.status !== 'queued' && state.status !== 'running') {
      throw new Error(`import ended ${state.status}: ${state.error ?? ''}`);
    }
    await sleep(200);
  }
}

/** COPY's table for the import baseline: the file's columns, a generated key, and the indexes
 *  the import's look-ups need (email, phone, name, company), as people, emails and phones have. */
const COPY_TABLE = `create table bench_import_copy (
  row_id uuid primary key default gen_random_uuid(),
  first_name text, last_name text, email text, phone text, company text, city text, country text);
create index bench_import_copy_email on bench_import_copy (lower(email));
create index bench_import_copy_phone on bench_import_copy (phone);
create index bench_import_copy_name on bench_import_copy (lower(last_name), lower(first_name));
create index bench_import_copy_company on bench_import_copy (lower(company));`;
const COPY_COLUMNS = 'first_name, last_name, email, phone, company, city, country';

export type BareTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

/** The import's bare baseline: COPY of the same file into a table with those indexes. */
export async function copyFileBare(target: BareTarget, file: string, rows: number): Promise<ThroughputResult> {
  if (target.kind === 'postgres') {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      await client.query('drop table if exists bench_import_copy');
      await client.query(COPY_TABLE);
      const started = performance.now();
      await pipeline(
        createReadStream(file),
        client.query(copyFrom(`copy bench_import_copy (${COPY_COLUMNS}) from stdin with (format csv, header true)`)),
      );
      const ms = performance.now() - started;
      await client.query('drop table bench_import_copy');
      return throughput(rows, ms);
    } finally {
      await client.end();
    }
  }
  const db = new PGlite(target.dataDir);
  await db.waitReady;
  try {
    await db.exec('drop table if exists bench_import_copy');
    await db.exec(COPY_TABLE);
    const bytes = await readFile(file);
    const started = performance.now();
    await db.query(`copy bench_import_copy (${COPY_COLUMNS}) from '/dev/blob' with (format csv, header true)`, [], {
      blob: new Blob([bytes]),
    });
    const ms = performance.now() - started;
    await db.exec('drop table bench_import_copy');
    return throughput(rows, ms);
  } finally {
    await db.close();
  }
}

/**
 * Expired rows for the retention workload: `rows` notes put in the trash 60 days ago (the
 * default period is 30), each about one of the given people. Deterministic for a seed, so
 * the baseline gets exactly the same rows again. The links point at notes written here and at
 * people that exist, so their foreign keys are not checked row by row where the target allows
 * (PGlite at 1M rows on the quick data set: 83 s with the checks, 40-42 s without); the purge
 * and the bare DELETE, which are measured, run with every trigger.
 */
export async function writeTrashedNotes(
  target: CopyTarget,
  input: {
    workspaceId: string;
    authorId: string;
    personIds: readonly string[];
    rows: number;
    now: number;
    seed?: number;
  },
): Promise<{ cutoff: string }> {
  const seed = input.seed ?? 424242;
  const deletedAt = new Date(input.now - 60 * 86_400_000).toISOString();
  const createdAt = new Date(input.now - 400 * 86_400_000).toISOString();
  const pass = () => {
    const idRng = createRng(seed);
    const personRng = createRng(seed + 1);
    return (i: number) => ({
      id: uuid7(idRng, input.now - 400 * 86_400_000 + i),
      person: input.personIds[personRng.int(input.personIds.length)] as string,
    });
  };
  await target.skipForeignKeyChecks();
  const CHUNK = 10_000;
  const chunks = (row: (i: number) => string) =>
    (function* () {
      for (let start = 0; start < input.rows; start += CHUNK) {
        let s = '';
        for (let i = start; i < Math.min(input.rows, start + CHUNK); i++) s += row(i);
        yield s;
      }
    })();
  let next = pass();
  await target.copy(
    'notes',
    ['workspace_id', 'note_id', 'author_id', 'body_html', 'body_text', 'created_at', 'updated_at', 'deleted_at'],
    chunks((i) => {
      const n = next(i);
      const text = `Old note ${i}, deleted.`;
      return csvRow([input.workspaceId, n.id, input.authorId, `<p>${text}</p>`, text, createdAt, createdAt, deletedAt]);
    }),
  );
  next = pass();
  await target.copy(
    'note_people',
    ['workspace_id', 'note_id', 'person_id', 'occurred_at'],
    chunks((i) => {
      const n = next(i);
      return csvRow([input.workspaceId, n.id, n.person, createdAt]);
    }),
  );
  return { cutoff: new Date(input.now - 30 * 86_400_000).toISOString() };
}

/** The retention workload's bare baseline: one DELETE of the same rows (links go by cascade). */
export async function deleteTrashedNotesBare(target: CopyTarget, workspaceId: string, cutoff: string): Promise<number> {
  const rows = await target.query<{ n: number }>(
    `with gone as (delete from notes where workspace_id = $1 and deleted_at is not null and deleted_at <= $2::timestamptz
       returning 1) select count(*)::int as n from gone`,
    [workspaceId, cutoff],
  );
  return Number(rows[0]?.n ?? 0);
}

export { throughput };
