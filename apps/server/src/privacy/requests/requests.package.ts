import { createHash, randomBytes } from 'node:crypto';
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
import { type ExtractSource, extractSources, readSourcePage } from './requests.extract.ts';
import { addStep, closeRequest, type RequestRow } from './requests.service.ts';
import { Meter, type ZipEntry, zipSizeOf, zipStream } from './requests.zip.ts';

/**
 * The package of an access (P-DSR-1) or portability (P-DSR-4) request. The
 * `privacy-requests.package` job builds it part by part: one CSV per source of the data map,
 * the whole as one JSON document (schema in docs/privacy-package.schema.json), a vCard, a
 * readable HTML report and the bytes of every file attached to the person. Each part is
 * streamed page by page into the package storage and recorded with its size and CRC-32 once
 * complete, so a run cut short resumes at the next part. The download streams a store-only
 * zip of the parts (or one part) through a link whose token is kept only as a SHA-256.
 */

export const PACKAGE_FORMAT = 'tillit.access-package';
export const PACKAGE_VERSION = 1;
/** How long the link works. */
export const LINK_DAYS = 7;
const PAGE = 2000;
const LEASE_MS = 5 * 60 * 1000;

export type Part = { name: string; key: string; size: number; crc32: number };
type Progress = { stage?: number; fileAfter?: string | null };

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

type Stage =
  | { kind: 'csv'; source: ExtractSource }
  | { kind: 'json' }
  | { kind: 'vcard' }
  | { kind: 'html' }
  | { kind: 'files' };

function stages(): Stage[] {
  return [
    ...extractSources().map((source) => ({ kind: 'csv' as const, source })),
    { kind: 'json' },
    { kind: 'vcard' },
    { kind: 'html' },
    { kind: 'files' },
  ];
}

type BuildContext = {
  services: Services;
  storage: FileStorage;
  workspaceId: string;
  workspaceName: string;
  packageId: string;
  request: RequestRow;
  personIds: string[];
  generatedAt: Date;
};

const tenant = <T>(c: BuildContext, fn: (tx: Tx) => Promise<T>) =>
  withTenant(c.services.database.db, { workspaceId: c.workspaceId }, fn);

/** Every row of a source, a keyset page per transaction. */
async function* rowsOf(c: BuildContext, source: ExtractSource): AsyncGenerator<Record<string, unknown>> {
  let after: unknown[] | null = null;
  for (;;) {
    const page = await tenant(c, (tx) => readSourcePage(tx, source, c.workspaceId, c.personIds, after, PAGE));
    for (const r of page.rows) yield r;
    if (!page.last) return;
    after = page.last;
  }
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

async function* csvOf(c: BuildContext, source: ExtractSource): AsyncGenerator<string> {
  // Machine-readable (portability): values exactly as held, no spreadsheet formula guard.
  yield `${source.columns.map((col) => csvCell(col.name)).join(',')}\r\n`;
  for await (const row of rowsOf(c, source)) {
    yield `${source.columns.map((col) => csvCell(row[col.name])).join(',')}\r\n`;
  }
}

async function* jsonOf(c: BuildContext): AsyncGenerator<string> {
  const head = {
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
  };
  const opening = JSON.stringify(head);
  yield `${opening.slice(0, -1)},"sources":[`;
  let firstSource = true;
  for (const source of extractSources()) {
    const meta = JSON.stringify({
      name: source.name,
      description: source.description,
      link: source.link,
      columns: source.columns,
    });
    yield `${firstSource ? '' : ','}${meta.slice(0, -1)},"rows":[`;
    firstSource = false;
    let first = true;
    for await (const row of rowsOf(c, source)) {
      yield `${first ? '' : ','}${JSON.stringify(row)}`;
      first = false;
    }
    yield ']}';
  }
  yield '],"files":[';
  let first = true;
  for await (const f of filesOf(c)) {
    yield `${first ? '' : ','}${JSON.stringify({ fileId: f.fileId, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256, path: filePath(f) })}`;
    first = false;
  }
  yield ']}';
}

const SYSTEM_ACTOR = (workspaceId: string): Actor => ({
  workspaceId,
  userId: '00000000-0000-0000-0000-000000000000',
  role: 'owner',
  twoFactorEnabled: true,
});

async function* vcardOf(c: BuildContext): AsyncGenerator<string> {
  const cards = await tenant(c, async (tx) => {
    const rows = await tx
      .select()
      .from(people)
      .where(and(eq(people.workspaceId, c.workspaceId), inArray(people.personId, c.personIds)));
    return presentPeople(tx, SYSTEM_ACTOR(c.workspaceId), rows);
  });
  for (const p of cards) yield personVcard(p);
  if (cards.length === 0) yield foldLine('');
}

const esc = (v: unknown): string => {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
};

async function* htmlOf(c: BuildContext): AsyncGenerator<string> {
  yield `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your data held by ${esc(c.workspaceName)}</title><style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;font-size:.85rem;margin-bottom:2rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}th small{display:block;color:#666;font-weight:normal}caption{text-align:left;color:#444}</style></head><body>`;
  yield `<h1>Your data held by ${esc(c.workspaceName)}</h1><p>Generated ${esc(c.generatedAt.toISOString())} for request ${esc(c.request.requestId)} (${esc(c.request.kind)}, received ${esc(c.request.receivedAt.toISOString())}). Each section is one kind of record; the small text under each column says what kind of personal data it is. The same data is in <code>extract.json</code> and <code>csv/</code> for use by other software, and your files are in <code>files/</code>.</p>`;
  for (const source of extractSources()) {
    yield `<h2>${esc(source.name)}</h2><table><caption>${esc(source.description)} — ${esc(source.link)}</caption><thead><tr>${source.columns
      .map((col) => `<th>${esc(col.name)}<small>${esc(col.category ?? 'not personal')}</small></th>`)
      .join('')}</tr></thead><tbody>`;
    let n = 0;
    for await (const row of rowsOf(c, source)) {
      n += 1;
      yield `<tr>${source.columns.map((col) => `<td>${esc(row[col.name])}</td>`).join('')}</tr>`;
    }
    if (n === 0) yield `<tr><td colspan="${source.columns.length}">Nothing held.</td></tr>`;
    yield '</tbody></table>';
  }
  yield '</body></html>';
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
  const key = `${c.workspaceId}/${c.packageId}.p${index}`;
  const meter = new Meter();
  body.on('error', (err) => meter.destroy(err));
  await c.storage.put(key, body.pipe(meter));
  return { name, key, size: meter.size, crc32: meter.crc };
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
    for (const part of parts) await c.storage.delete(part.key);
    throw new PackageGone('the package was purged while it was being built');
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
    storage: packageStorage(services),
    workspaceId,
    workspaceName: claimed.workspaceName,
    packageId,
    request,
    personIds: p.personIds,
    generatedAt: p.createdAt,
  };
  const parts = [...((p.parts as Part[]) ?? [])];
  const progress: Progress = { ...((p.progress as Progress) ?? {}) };
  const plan = stages();
  try {
    for (let i = progress.stage ?? 0; i < plan.length; i++) {
      const stage = plan[i] as Stage;
      if (stage.kind === 'files') {
        for await (const f of filesOf(c, progress.fileAfter ?? null)) {
          const body = await services.storage.get(f.storageKey).catch((err: unknown) => {
            if (err instanceof StorageNotFound) return null;
            throw err;
          });
          if (body) parts.push(await storePart(c, parts.length, filePath(f), body));
          progress.fileAfter = f.fileId;
          await saveProgress(c, parts, progress);
        }
      } else {
        const [name, body] =
          stage.kind === 'csv'
            ? [`csv/${stage.source.name}.csv`, Readable.from(csvOf(c, stage.source))]
            : stage.kind === 'json'
              ? ['extract.json', Readable.from(jsonOf(c))]
              : stage.kind === 'vcard'
                ? ['contact.vcf', Readable.from(vcardOf(c))]
                : ['report.html', Readable.from(htmlOf(c))];
        parts.push(await storePart(c, parts.length, name, body));
      }
      progress.stage = i + 1;
      await saveProgress(c, parts, progress);
    }
  } catch (err) {
    if (err instanceof PackageGone) return 'done';
    // Kept 'running': the lease runs out and the next run resumes at the stage that failed.
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
      .select({ id: privacyRequestPackages.packageId, parts: privacyRequestPackages.parts })
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
    for (const part of (e.parts as Part[]) ?? []) await storage.delete(part.key);
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
      .select({ id: privacyRequestPackages.packageId, parts: privacyRequestPackages.parts })
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
  for (const r of rows) for (const part of (r.parts as Part[]) ?? []) await storage.delete(part.key);
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
  if (partName) {
    const part = parts.find((p) => p.name === partName);
    if (!part) throw notFound('The part');
    const ext = path.extname(part.name);
    const lazy = Readable.from(
      (async function* () {
        for await (const chunk of await storage.get(part.key)) yield chunk as Buffer;
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
    open: () => storage.get(p.key),
  }));
  return {
    filename: `data-${pkg.packageId}.zip`,
    contentType: 'application/zip',
    size,
    body: zipStream(entries, pkg.readyAt ?? new Date()),
  };
}
