import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Readable } from 'node:stream';
import { and, asc, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { files, people, privacyRequestPackages, privacyRequests, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { foldLine, personVcard } from '../../modules/export/export.format.ts';
import { presentPeople } from '../../modules/people/people.service.ts';
import type { Actor } from '../../modules/workspaces/workspaces.service.ts';
import type { Services } from '../../services.ts';
import { createLocalStorage } from '../../storage/storage.local.ts';
import { type FileStorage, StorageNotFound } from '../../storage/storage.ts';
import {
  type ExtractSource,
  extractSources,
  type RawRow,
  readSourceKeys,
  readSourceRows,
  type SourceKeys,
} from './requests.extract.ts';
import { addStep, closeRequest, type RequestRow } from './requests.service.ts';
import { Meter, type ZipEntry, zipSizeOf, zipStream } from './requests.zip.ts';

/**
 * The package of an access (P-DSR-1) or portability (P-DSR-4) request. The
 * `privacy-requests.package` job builds it: one CSV per source of the data map, the whole as
 * one JSON document (schema in docs/privacy-package.schema.json), a vCard, a readable HTML
 * report and the bytes of every file attached to the person. One pass over the sources
 * writes the three formats at once, page by page into the package storage; each part is
 * recorded with its size and CRC-32 (the JSON and the HTML as segments, closed at each
 * checkpoint), so a run cut short resumes after the last recorded source. The download
 * streams a store-only zip of the parts (or one part) through a link whose token is kept
 * only as a SHA-256.
 */

export const PACKAGE_FORMAT = 'tillit.access-package';
export const PACKAGE_VERSION = 1;
/** How long the link works. */
export const LINK_DAYS = 7;

const storages = new Map<string, FileStorage>();
/** Packages live apart from the files of records (whose daily sweep deletes bytes no file row
 *  refers to): `<data dir>/privacy-packages/<workspace>/<package>.p<n>`. */
export function packageStorage(services: Services): FileStorage {
  const root = path.join(services.config.dataDir, 'privacy-packages');
  let s = storages.get(root);
  if (!s) {
    s = createLocalStorage(root);
    storages.set(root, s);
  }
  return s;
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function downloadUrl(services: Services, workspaceId: string, token: string): string {
  return `${services.config.publicUrl}/api/public/privacy/${workspaceId}/packages/${token}`;
}

/** Asks for a package (in the caller's transaction); returns the link's token, shown once. */
export async function createPackage(
  tx: Tx,
  workspaceId: string,
  requestId: string,
  personIds: string[],
  now: Date,
): Promise<{ packageId: string; token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const packageId = newId(now.getTime());
  const expiresAt = new Date(now.getTime() + LINK_DAYS * DAY_MS);
  await tx.insert(privacyRequestPackages).values({
    workspaceId,
    packageId,
    requestId,
    personIds,
    tokenHash: hashToken(token),
    createdAt: now,
    expiresAt,
  });
  return { packageId, token, expiresAt };
}

// Building

/** Rows read from the database at a time (one transaction each). */
const PAGE = 2000;
const LEASE_MS = 5 * 60 * 1000;
/** Text goes to the storage in chunks of about this many characters, not a write per row. */
const CHUNK_CHARS = 256 * 1024;
/** After a source, progress is recorded (and the lease renewed) once this long has passed
 *  since the last record, or once the open JSON and HTML segments hold this much. */
const CHECKPOINT_MS = 2000;
const SEGMENT_CHARS = 32 * 1024 * 1024;

/** A stored part. `extract.json` and `report.html` are written in segments (`segments`,
 *  in order; `key` is the first), one per checkpoint of the build. */
export type Part = { name: string; key: string; size: number; crc32: number; segments?: string[] };
/** The stored segments of a part still being written, with the size and CRC-32 of their bytes so far. */
type Segments = { keys: string[]; size: number; crc32: number };
type Progress = {
  /** 2: one pass over the sources writes the CSV parts, the JSON and the HTML together. */
  layout?: number;
  /** Sources done: their CSV parts stored, their JSON and HTML in stored segments. */
  sources?: number;
  json?: Segments;
  html?: Segments;
  /** extract.json, contact.vcf and report.html are stored; the files remain. */
  documents?: boolean;
  fileAfter?: string | null;
};

const partKeys = (p: Part): string[] => p.segments ?? [p.key];
/** Every stored object of a package, finished or not. */
const storedKeys = (parts: Part[], progress: Progress | null): string[] => [
  ...new Set([...parts.flatMap(partKeys), ...(progress?.json?.keys ?? []), ...(progress?.html?.keys ?? [])]),
];

type BuildContext = {
  services: Services;
  storage: FileStorage;
  workspaceId: string;
  workspaceName: string;
  packageId: string;
  request: RequestRow;
  personIds: string[];
  generatedAt: Date;
  page: number;
};

export type BuildOptions = {
  /** Where the parts go (the package storage by default); a test passes one that fails. */
  storage?: FileStorage;
  /** How often progress is recorded (2 s by default); 0 records it after every source. */
  checkpointMs?: number;
  /** Rows read at a time (2,000 by default). */
  page?: number;
};

const tenant = <T>(c: BuildContext, fn: (tx: Tx) => Promise<T>) =>
  withTenant(c.services.database.db, { workspaceId: c.workspaceId }, fn);

const objectKey = (c: BuildContext, suffix: string) => `${c.workspaceId}/${c.packageId}.${suffix}`;

/**
 * Text streamed into one stored object in large chunks, measuring its size and CRC-32 (the
 * CRC continued from `crc`, so that segments written one after another add up to one part).
 */
class PartWriter {
  private readonly meter = new Meter();
  private readonly stored: Promise<unknown>;
  private failure: unknown = null;
  private pending: string[] = [];
  private pendingChars = 0;
  /** Characters handed over so far (a bound for deciding when to close a segment). */
  chars = 0;

  constructor(
    storage: FileStorage,
    readonly key: string,
    crc = 0,
  ) {
    this.meter.crc = crc;
    // A failure reaches the build through `stored` (or `abort`'s caller), not as an event
    // nobody listens to.
    this.meter.on('error', () => {});
    this.stored = storage.put(key, this.meter);
    this.stored.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    this.chars += text.length;
    if (this.pendingChars >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pendingChars === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    if (!this.meter.write(chunk)) {
      await Promise.race([
        once(this.meter, 'drain'),
        this.stored.then(() => {
          throw new Error(`storage stopped reading ${this.key}`);
        }),
      ]);
    }
  }

  /** Stores what was written; the size of this object and the CRC-32 so far. */
  async end(): Promise<{ size: number; crc32: number }> {
    await this.flush();
    this.meter.end();
    await this.stored;
    return { size: this.meter.size, crc32: this.meter.crc };
  }

  /** Gives up: the storage keeps nothing of this object (unless it was already stored). */
  abort(err: unknown): void {
    if (!this.meter.destroyed) this.meter.destroy(err instanceof Error ? err : new Error(String(err)));
  }

  /** Once the storage is done with this object, either way. */
  settled(): Promise<void> {
    return this.stored.then(
      () => {},
      () => {},
    );
  }
}

/** The segments of extract.json or report.html: the stored ones and the one being written. */
class SegmentedWriter {
  private writer: PartWriter | null = null;
  constructor(
    private readonly c: BuildContext,
    private readonly prefix: string,
    readonly done: Segments,
  ) {}

  /** Every segment this run opened, to stop and wait for them when the run fails. */
  readonly opened: PartWriter[] = [];

  private open(): PartWriter {
    if (!this.writer) {
      this.writer = new PartWriter(
        this.c.storage,
        objectKey(this.c, `${this.prefix}${this.done.keys.length}`),
        this.done.crc32,
      );
      this.opened.push(this.writer);
    }
    return this.writer;
  }
  write(text: string): Promise<void> {
    return this.open().write(text);
  }

  get chars(): number {
    return this.writer?.chars ?? 0;
  }

  /** Stores the open segment (if any); what is stored so far. */
  async close(): Promise<Segments> {
    const w = this.writer;
    if (w) {
      this.writer = null;
      const { size, crc32 } = await w.end();
      this.done.keys.push(w.key);
      this.done.size += size;
      this.done.crc32 = crc32;
    }
    return { ...this.done, keys: [...this.done.keys] };
  }
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const esc = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[&<>"]/.test(s) ? s.replace(/[&<>"]/g, (ch) => ENTITIES[ch] as string) : s;
};

function jsonHead(c: BuildContext): string {
  const head = JSON.stringify({
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    generatedAt: c.generatedAt.toISOString(),
    controller: { workspaceId: c.workspaceId, name: c.workspaceName },
    request: {
      id: c.request.requestId,
      kind: c.request.kind,
      receivedAt: c.request.receivedAt.toISOString(),
    },
    personIds: c.personIds,
  });
  return `${head.slice(0, -1)},"sources":[`;
}

function htmlHead(c: BuildContext): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your data held by ${esc(c.workspaceName)}</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;font-size:.85rem;margin-bottom:2rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th small{display:block;color:#666;font-weight:normal}caption{text-align:left;color:#444}</style></head><body><h1>Your data held by ${esc(c.workspaceName)}</h1><p>Generated ${esc(c.generatedAt.toISOString())} for request ${esc(c.request.requestId)} (${esc(c.request.kind)}, received ${esc(c.request.receivedAt.toISOString())}). Each section is one kind of record; the small text under each column says what kind of personal data it is. The same data is in <code>extract.json</code> and <code>csv/</code> for use by other software, and your files are in <code>files/</code>.</p>`;
}

/** Where a source's rows come from: its keys, and its rows when they were read with the keys. */
type SourcePlan = { keys: SourceKeys; rows: RawRow[] | null };

/**
 * The keys of every source still to write, in one read-only snapshot (so the sources agree
 * on who is linked to what), with the rows of the link tables (read whole with their keys)
 * and of the small sources while they fit in one page in all: a light person's package is
 * read in this one transaction.
 */
async function planSources(c: BuildContext, sources: readonly ExtractSource[]): Promise<SourcePlan[]> {
  return withTenant(
    c.services.database.db,
    { workspaceId: c.workspaceId },
    async (tx) => {
      const plans: SourcePlan[] = [];
      let budget = c.page;
      const keys = await readSourceKeys(tx, sources, c.workspaceId, c.personIds);
      for (const [i, source] of sources.entries()) {
        const k = keys[i] as SourceKeys;
        let rows: RawRow[] | null = k.rows ?? null;
        if (!rows && k.count <= budget) {
          rows = await readSourceRows(tx, source, c.workspaceId, k, 0, k.count);
          budget -= k.count;
        }
        plans.push({ keys: k, rows });
      }
      return plans;
    },
    { snapshot: true },
  );
}

/**
 * The rows of the sources still to write, page after page (a page by key per transaction,
 * or the rows read with the keys), the next page read while the current one is written.
 */
class PageReader {
  /** Per page: its source, and how to read it (dropped once started). */
  private readonly sourceOf: number[] = [];
  private readonly reads: ((() => Promise<RawRow[]>) | null)[] = [];
  private at = 0;
  private ahead: Promise<RawRow[]> | null = null;

  constructor(c: BuildContext, sources: readonly ExtractSource[], plans: readonly SourcePlan[], start: number) {
    plans.forEach((plan, k) => {
      const index = start + k;
      const source = sources[index] as ExtractSource;
      const { rows, keys } = plan;
      if (rows) {
        this.sourceOf.push(index);
        this.reads.push(async () => rows);
        return;
      }
      for (let from = 0; from < keys.count; from += c.page) {
        const to = Math.min(from + c.page, keys.count);
        this.sourceOf.push(index);
        this.reads.push(() => tenant(c, (tx) => readSourceRows(tx, source, c.workspaceId, keys, from, to)));
      }
    });
  }

  private start(i: number): Promise<RawRow[]> {
    const read = this.reads[i];
    this.reads[i] = null;
    const p = read ? read() : Promise.resolve([]);
    p.catch(() => {});
    return p;
  }

  /** The pages of source `index`, in key order. */
  async *pagesOf(index: number): AsyncGenerator<RawRow[]> {
    while (this.at < this.sourceOf.length && this.sourceOf[this.at] === index) {
      const current = this.ahead ?? this.start(this.at);
      this.at += 1;
      this.ahead = this.at < this.sourceOf.length ? this.start(this.at) : null;
      yield await current;
    }
  }
}

/**
 * Writes one source in one pass: its CSV part (values as held, no spreadsheet formula guard:
 * it is for machines), its section of extract.json and its table in report.html.
 */
async function writeSource(
  source: ExtractSource,
  pages: AsyncIterable<RawRow[]>,
  first: boolean,
  csv: PartWriter,
  json: SegmentedWriter,
  html: SegmentedWriter,
): Promise<void> {
  const names = source.columns.map((col) => col.name);
  await csv.write(`${names.map(csvCell).join(',')}\r\n`);
  const meta = JSON.stringify({
    name: source.name,
    description: source.description,
    link: source.link,
    columns: source.columns,
  });
  await json.write(`${first ? '' : ','}${meta.slice(0, -1)},"rows":[`);
  await html.write(
    `<h2>${esc(source.name)}</h2><table><caption>${esc(source.description)} — ${esc(source.link)}</caption><thead><tr>${source.columns
      .map((col) => `<th>${esc(col.name)}<small>${esc(col.category ?? 'not personal')}</small></th>`)
      .join('')}</tr></thead><tbody>`,
  );
  let n = 0;
  for await (const rows of pages) {
    if (rows.length === 0) continue;
    // Each page becomes one string per format (a row at a time would be three writes a row).
    let csvText = '';
    let jsonText = '';
    let htmlText = '';
    for (const row of rows) {
      let line = '';
      let cells = '<tr>';
      for (let k = 0; k < names.length; k++) {
        const v = row[names[k] as string];
        line += k === 0 ? csvCell(v) : `,${csvCell(v)}`;
        cells += `<td>${esc(v)}</td>`;
      }
      csvText += `${line}\r\n`;
      jsonText += n === 0 && jsonText === '' ? JSON.stringify(row) : `,${JSON.stringify(row)}`;
      htmlText += `${cells}</tr>`;
    }
    await csv.write(csvText);
    await json.write(jsonText);
    await html.write(htmlText);
    n += rows.length;
  }
  await json.write(']}');
  if (n === 0) await html.write(`<tr><td colspan="${source.columns.length}">Nothing held.</td></tr>`);
  await html.write('</tbody></table>');
}

const SYSTEM_ACTOR = (workspaceId: string): Actor => ({
  workspaceId,
  userId: '00000000-0000-0000-0000-000000000000',
  role: 'owner',
  twoFactorEnabled: true,
});

async function vcardOf(c: BuildContext): Promise<string> {
  const cards = await tenant(c, async (tx) => {
    const rows = await tx
      .select()
      .from(people)
      .where(and(eq(people.workspaceId, c.workspaceId), inArray(people.personId, c.personIds)));
    return presentPeople(tx, SYSTEM_ACTOR(c.workspaceId), rows);
  });
  return cards.length === 0 ? foldLine('') : cards.map(personVcard).join('');
}

type FileRow = { fileId: string; name: string; contentType: string; size: number; sha256: string; storageKey: string };

/** A file name safe inside a zip: no path separators, reserved or control characters. */
const safeName = (name: string) =>
  [...name]
    .map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
    .join('')
    .slice(0, 120) || 'file';
const filePath = (f: { fileId: string; name: string }) => `files/${f.fileId}/${safeName(f.name)}`;

/** The files attached to the people (by files_person_idx), a page at a time. */
async function* filesOf(c: BuildContext, startAfter: string | null = null): AsyncGenerator<FileRow> {
  let after = startAfter;
  for (;;) {
    const rows = await tenant(c, (tx) =>
      tx
        .select({
          fileId: files.fileId,
          name: files.name,
          contentType: files.contentType,
          size: files.size,
          sha256: files.sha256,
          storageKey: files.storageKey,
        })
        .from(files)
        .where(
          and(
            eq(files.workspaceId, c.workspaceId),
            inArray(files.personId, c.personIds),
            after ? gt(files.fileId, after) : undefined,
          ),
        )
        .orderBy(asc(files.fileId))
        .limit(PAGE),
    );
    for (const r of rows) yield r;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]?.fileId ?? null;
  }
}

async function storePart(c: BuildContext, index: number, name: string, body: Readable): Promise<Part> {
  const key = objectKey(c, `p${index}`);
  const meter = new Meter();
  body.on('error', (err) => meter.destroy(err));
  await c.storage.put(key, body.pipe(meter));
  return { name, key, size: meter.size, crc32: meter.crc };
}

async function storeText(c: BuildContext, index: number, name: string, text: string): Promise<Part> {
  const w = new PartWriter(c.storage, objectKey(c, `p${index}`));
  await w.write(text);
  const { size, crc32 } = await w.end();
  return { name, key: w.key, size, crc32 };
}

/** Thrown when the package was purged (its person erased) while it was being built. */
class PackageGone extends Error {}

async function saveProgress(c: BuildContext, parts: Part[], progress: Progress): Promise<void> {
  const now = c.services.clock.now();
  const updated = await tenant(c, (tx) =>
    tx
      .update(privacyRequestPackages)
      .set({ parts, progress, leaseUntil: new Date(now.getTime() + LEASE_MS) })
      .where(
        and(
          eq(privacyRequestPackages.workspaceId, c.workspaceId),
          eq(privacyRequestPackages.packageId, c.packageId),
          isNull(privacyRequestPackages.purgedAt),
        ),
      )
      .returning({ id: privacyRequestPackages.packageId }),
  );
  if (updated.length === 0) {
    for (const key of storedKeys(parts, progress)) await c.storage.delete(key);
    throw new PackageGone('the package was purged while it was being built');
  }
}

/**
 * The CSV parts, extract.json, contact.vcf and report.html, in one pass over the sources
 * (each read once: its keys, then its rows by key). Progress is recorded after a source every
 * `checkpointMs` at most: the CSV parts stored since, and the JSON and HTML segments closed
 * there. A run cut short resumes after the last recorded source.
 */
async function writeDocuments(c: BuildContext, parts: Part[], progress: Progress, checkpointMs: number): Promise<void> {
  const sources = extractSources();
  const start = progress.sources ?? 0;
  const json = new SegmentedWriter(c, 'j', progress.json ?? { keys: [], size: 0, crc32: 0 });
  const html = new SegmentedWriter(c, 'h', progress.html ?? { keys: [], size: 0, crc32: 0 });
  // CSV parts finish storing (flush, rename) while the next sources are read; a checkpoint
  // waits for them.
  const csvWriters: PartWriter[] = [];
  const csvStored: Promise<Part>[] = [];
  const storedCsv = () => Promise.all(csvStored.splice(0));
  /** Closes what is open; fails only once all of it has settled (nothing left writing). */
  const closeAll = async () => {
    const [done, jsonDone, htmlDone] = await Promise.allSettled([storedCsv(), json.close(), html.close()]);
    for (const r of [done, jsonDone, htmlDone]) if (r.status === 'rejected') throw r.reason;
    return [
      (done as PromiseFulfilledResult<Part[]>).value,
      (jsonDone as PromiseFulfilledResult<Segments>).value,
      (htmlDone as PromiseFulfilledResult<Segments>).value,
    ] as const;
  };
  try {
    if (start === 0) {
      await json.write(jsonHead(c));
      await html.write(htmlHead(c));
    }
    const reader = new PageReader(c, sources, await planSources(c, sources.slice(start)), start);
    let checkpointAt = performance.now();
    for (let i = start; i < sources.length; i++) {
      const source = sources[i] as ExtractSource;
      const csv = new PartWriter(c.storage, objectKey(c, `p${parts.length + csvStored.length}`));
      csvWriters.push(csv);
      await writeSource(source, reader.pagesOf(i), i === 0, csv, json, html);
      const stored = csv
        .end()
        .then(({ size, crc32 }) => ({ name: `csv/${source.name}.csv`, key: csv.key, size, crc32 }));
      stored.catch(() => {});
      csvStored.push(stored);
      const due = performance.now() - checkpointAt >= checkpointMs || json.chars + html.chars >= SEGMENT_CHARS;
      if (due && i < sources.length - 1) {
        const [done, jsonDone, htmlDone] = await closeAll();
        parts.push(...done);
        progress.json = jsonDone;
        progress.html = htmlDone;
        progress.sources = i + 1;
        await saveProgress(c, parts, progress);
        checkpointAt = performance.now();
      }
    }
    const vcard = vcardOf(c);
    vcard.catch(() => {});
    await json.write('],"files":[');
    let firstFile = true;
    for await (const f of filesOf(c)) {
      await json.write(
        `${firstFile ? '' : ','}${JSON.stringify({ fileId: f.fileId, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256, path: filePath(f) })}`,
      );
      firstFile = false;
    }
    await json.write(']}');
    await html.write('</body></html>');
    const [done, jsonDone, htmlDone] = await closeAll();
    parts.push(...done);
    progress.json = jsonDone;
    progress.html = htmlDone;
    const segmented = (name: string, s: Segments): Part => ({
      name,
      key: s.keys[0] as string,
      size: s.size,
      crc32: s.crc32,
      ...(s.keys.length > 1 ? { segments: s.keys } : {}),
    });
    parts.push(segmented('extract.json', jsonDone));
    parts.push(await storeText(c, parts.length, 'contact.vcf', await vcard));
    parts.push(segmented('report.html', htmlDone));
    progress.sources = sources.length;
    progress.documents = true;
    await saveProgress(c, parts, progress);
  } catch (err) {
    // Nothing of this run may land after it returns (the next run writes the same keys):
    // stop every object still being written and wait until the storage is done with each.
    const opened = [...csvWriters, ...json.opened, ...html.opened];
    for (const w of opened) w.abort(err);
    await Promise.all(opened.map((w) => w.settled()));
    throw err;
  }
}

/**
 * Builds one package from where it stopped. Returns 'ready', 'busy' (another run holds the
 * lease), 'done' (nothing to do) or 'failed'.
 */
export async function buildPackage(
  services: Services,
  workspaceId: string,
  packageId: string,
  options: BuildOptions = {},
): Promise<'ready' | 'busy' | 'done' | 'failed'> {
  const db = services.database.db;
  const now = services.clock.now();
  const claimed = await withTenant(db, { workspaceId }, async (tx) => {
    const [p] = await tx
      .select()
      .from(privacyRequestPackages)
      .where(and(eq(privacyRequestPackages.workspaceId, workspaceId), eq(privacyRequestPackages.packageId, packageId)))
      .for('update');
    if (!p || (p.state !== 'pending' && p.state !== 'running')) return 'done' as const;
    if (p.state === 'running' && p.leaseUntil && p.leaseUntil.getTime() > now.getTime()) return 'busy' as const;
    await tx
      .update(privacyRequestPackages)
      .set({ state: 'running', leaseUntil: new Date(now.getTime() + LEASE_MS) })
      .where(and(eq(privacyRequestPackages.workspaceId, workspaceId), eq(privacyRequestPackages.packageId, packageId)));
    const [request] = await tx
      .select()
      .from(privacyRequests)
      .where(and(eq(privacyRequests.workspaceId, workspaceId), eq(privacyRequests.requestId, p.requestId)));
    const [ws] = await tx
      .select({ name: workspaces.name })
      .from(workspaces)
      .where(eq(workspaces.workspaceId, workspaceId));
    if (!request) return 'done' as const;
    return { p, request, workspaceName: ws?.name ?? '' };
  });
  if (typeof claimed === 'string') return claimed;
  const { p, request } = claimed;
  const c: BuildContext = {
    services,
    storage: options.storage ?? packageStorage(services),
    workspaceId,
    workspaceName: claimed.workspaceName,
    packageId,
    request,
    personIds: p.personIds,
    generatedAt: p.createdAt,
    page: Math.max(1, options.page ?? PAGE),
  };
  let parts = [...((p.parts as Part[]) ?? [])];
  let progress: Progress = { ...((p.progress as Progress) ?? {}) };
  try {
    if (progress.layout !== 2) {
      // Stopped by an earlier version (a part per format): start again.
      for (const key of storedKeys(parts, null)) await c.storage.delete(key);
      parts = [];
      progress = { layout: 2 };
    }
    if (!progress.documents) await writeDocuments(c, parts, progress, options.checkpointMs ?? CHECKPOINT_MS);
    for await (const f of filesOf(c, progress.fileAfter ?? null)) {
      const body = await services.storage.get(f.storageKey).catch((err: unknown) => {
        if (err instanceof StorageNotFound) return null;
        throw err;
      });
      if (body) parts.push(await storePart(c, parts.length, filePath(f), body));
      progress.fileAfter = f.fileId;
      await saveProgress(c, parts, progress);
    }
  } catch (err) {
    if (err instanceof PackageGone) return 'done';
    // Kept 'running': the lease runs out and the next run resumes after the last recorded
    // source (or file).
    const message = err instanceof Error ? err.message.slice(0, 500) : 'unknown error';
    await tenant(c, (tx) =>
      tx
        .update(privacyRequestPackages)
        .set({ error: message })
        .where(
          and(eq(privacyRequestPackages.workspaceId, workspaceId), eq(privacyRequestPackages.packageId, packageId)),
        ),
    );
    throw err;
  }
  const readyAt = services.clock.now();
  const size = zipSizeOf(parts);
  await withTenant(db, { workspaceId }, async (tx) => {
    await tx
      .update(privacyRequestPackages)
      .set(
        size === null
          ? { state: 'failed', error: 'The package is larger than 4 GiB; download its parts one by one.', readyAt }
          : { state: 'ready', readyAt, sizeBytes: size, leaseUntil: null, parts },
      )
      .where(
        and(
          eq(privacyRequestPackages.workspaceId, workspaceId),
          eq(privacyRequestPackages.packageId, packageId),
          isNull(privacyRequestPackages.purgedAt),
        ),
      );
    const [row] = await tx
      .select()
      .from(privacyRequests)
      .where(and(eq(privacyRequests.workspaceId, workspaceId), eq(privacyRequests.requestId, request.requestId)))
      .for('update');
    if (!row) return;
    await addStep(tx, workspaceId, row, { kind: 'system', id: null }, 'package_ready', readyAt, {
      details: { packageId, parts: parts.length, bytes: size ?? -1 },
    });
    if (row.status !== 'fulfilled' && row.status !== 'refused' && size !== null) {
      await closeRequest(tx, workspaceId, row, { kind: 'system', id: null }, readyAt, {
        status: 'fulfilled',
        outcome: { packageId, parts: parts.length, bytes: size },
      });
    }
  });
  if (request.requesterEmail && size !== null) {
    await services.mail.send({
      to: request.requesterEmail,
      kind: 'privacy_request_package_ready',
      workspaceId,
      subject: 'Your data is ready to download',
      text: `The copy of your data (request ${request.requestId}) is ready. Use the link in our earlier message; it works until ${p.expiresAt.toISOString().slice(0, 10)}.`,
    });
  }
  return size === null ? 'failed' : 'ready';
}

/** Packages waiting or whose run stopped (lease ran out), in one workspace. */
export async function pendingPackages(tx: Tx, workspaceId: string, now: Date): Promise<string[]> {
  const rows = await tx
    .select({ id: privacyRequestPackages.packageId })
    .from(privacyRequestPackages)
    .where(
      and(
        eq(privacyRequestPackages.workspaceId, workspaceId),
        sql`${privacyRequestPackages.state} in ('pending', 'running')`,
        or(isNull(privacyRequestPackages.leaseUntil), lt(privacyRequestPackages.leaseUntil, now)),
      ),
    )
    .limit(50);
  return rows.map((r) => r.id);
}

/** Deletes the bytes of expired packages (the rows stay as the record of what was sent). */
export async function purgeExpiredPackages(services: Services, workspaceId: string): Promise<number> {
  const now = services.clock.now();
  const storage = packageStorage(services);
  const expired = await withTenant(services.database.db, { workspaceId }, (tx) =>
    tx
      .select({
        id: privacyRequestPackages.packageId,
        parts: privacyRequestPackages.parts,
        progress: privacyRequestPackages.progress,
      })
      .from(privacyRequestPackages)
      .where(
        and(
          eq(privacyRequestPackages.workspaceId, workspaceId),
          isNull(privacyRequestPackages.purgedAt),
          lt(privacyRequestPackages.expiresAt, now),
        ),
      )
      .limit(200),
  );
  for (const e of expired) {
    for (const key of storedKeys((e.parts as Part[]) ?? [], e.progress as Progress)) await storage.delete(key);
    await withTenant(services.database.db, { workspaceId }, (tx) =>
      tx
        .update(privacyRequestPackages)
        .set({ purgedAt: now, parts: [] })
        .where(and(eq(privacyRequestPackages.workspaceId, workspaceId), eq(privacyRequestPackages.packageId, e.id))),
    );
  }
  return expired.length;
}

/** Deletes the bytes of every package about any of `personIds` (after their erasure); a
 *  package still being built is stopped. The rows stay as the record of what was sent. */
export async function purgePackagesOf(services: Services, workspaceId: string, personIds: string[]): Promise<number> {
  if (personIds.length === 0) return 0;
  const now = services.clock.now();
  const storage = packageStorage(services);
  const overlapping = and(
    eq(privacyRequestPackages.workspaceId, workspaceId),
    isNull(privacyRequestPackages.purgedAt),
    sql`${privacyRequestPackages.personIds} && ${sql.param(personIds)}::uuid[]`,
  );
  const rows = await withTenant(services.database.db, { workspaceId }, async (tx) => {
    const found = await tx
      .select({
        id: privacyRequestPackages.packageId,
        parts: privacyRequestPackages.parts,
        progress: privacyRequestPackages.progress,
      })
      .from(privacyRequestPackages)
      .where(overlapping)
      .for('update');
    await tx
      .update(privacyRequestPackages)
      .set({
        purgedAt: now,
        parts: [],
        state: sql`case when ${privacyRequestPackages.state} = 'ready' then 'ready' else 'failed' end`,
        error: sql`case when ${privacyRequestPackages.state} = 'ready' then ${privacyRequestPackages.error} else 'The person was erased.' end`,
      })
      .where(overlapping);
    return found;
  });
  for (const r of rows) {
    for (const key of storedKeys((r.parts as Part[]) ?? [], r.progress as Progress)) await storage.delete(key);
  }
  return rows.length;
}

export async function workspaceIds(services: Services): Promise<string[]> {
  const rows = await withSystemScope(services.database.db, (tx) =>
    tx.select({ id: workspaces.workspaceId }).from(workspaces),
  );
  return rows.map((r) => r.id);
}

// Downloading

export type PackageDownload = { filename: string; contentType: string; size: number; body: Readable };

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
  '.vcf': 'text/vcard; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The zip (or one part) of a ready package, streamed from the stored parts. */
export function openPackage(
  services: Services,
  pkg: { packageId: string; parts: unknown; readyAt: Date | null },
  partName: string | undefined,
): PackageDownload {
  const storage = packageStorage(services);
  const parts = (pkg.parts as Part[]) ?? [];
  /** A part's bytes: its one object, or its segments one after another. */
  const open = async (part: Part): Promise<Readable> => {
    const keys = partKeys(part);
    if (keys.length === 1) return storage.get(keys[0] as string);
    return Readable.from(
      (async function* () {
        for (const key of keys) for await (const chunk of await storage.get(key)) yield chunk as Buffer;
      })(),
    );
  };
  if (partName) {
    const part = parts.find((p) => p.name === partName);
    if (!part) throw notFound('The part');
    const ext = path.extname(part.name);
    const lazy = Readable.from(
      (async function* () {
        for await (const chunk of await open(part)) yield chunk as Buffer;
      })(),
    );
    return {
      filename: path.basename(part.name),
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      size: part.size,
      body: lazy,
    };
  }
  const size = zipSizeOf(parts);
  if (size === null)
    throw new AppError('package_too_large', 409, 'The package is too large for one zip; download its parts.');
  const entries: ZipEntry[] = parts.map((p) => ({
    name: p.name,
    size: p.size,
    crc32: p.crc32,
    open: () => open(p),
  }));
  return {
    filename: `data-${pkg.packageId}.zip`,
    contentType: 'application/zip',
    size,
    body: zipStream(entries, pkg.readyAt ?? new Date()),
  };
}
