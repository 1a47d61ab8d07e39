import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TFile, TFileList, TFileRecordKind, TStorageUsage, TTrashItem } from '@tillit/contracts';
import { and, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { files, people, workspaceStorage } from '../../db/schema/index.ts';
import { AppError, conflict, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { StorageNotFound, storageKey } from '../../storage/storage.ts';
import { decodeCursor, encodeCursor } from '../people/people.cursor.ts';
import { assertCanWrite } from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { inTenant } from '../people/people.service.ts';
import { emitRecordEvent } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { presentFile } from './files.presenter.ts';
import { assertRecordVisible } from './files.records.ts';
import { ContentMeter, FileTooLarge, formatBytes, isSafeImage, sniffType } from './files.sniff.ts';
import { scheduleThumbnail } from './files.thumbnails.ts';

export type FileRow = typeof files.$inferSelect;
/** `truncated`: whether the parser cut the part at its own limit (then it is refused too). */
export type UploadPart = { filename: string; stream: Readable; truncated?: () => boolean };
export type RecordRef = { kind: TFileRecordKind; recordId: string };

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

/** The name a file is kept under: no path, no control characters, at most 255 characters. */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return Array.from(cleaned).slice(0, 255).join('') || 'file';
}

// Quota

async function usageRow(tx: Tx, workspaceId: string) {
  const [row] = await tx.select().from(workspaceStorage).where(eq(workspaceStorage.workspaceId, workspaceId));
  return row;
}

function quotaOf(services: Services, row: { quotaBytes: number | null } | undefined): number {
  return row?.quotaBytes ?? services.config.files.quotaBytes;
}

const quotaExceeded = (used: number, quota: number) =>
  new AppError(
    'quota_exceeded',
    413,
    `The workspace's storage is full (${formatBytes(used)} of ${formatBytes(quota)} used). Delete files or ask for more space.`,
    { file: 'does not fit in the workspace storage quota' },
  );

/**
 * Takes `size` bytes of the workspace's quota, or throws. One conditional UPDATE of the
 * workspace's row: PostgreSQL re-checks the condition against the committed row once a
 * concurrent upload's lock is released, so two uploads can never together pass the quota.
 */
async function reserveQuota(tx: Tx, services: Services, workspaceId: string, size: number): Promise<void> {
  await tx.insert(workspaceStorage).values({ workspaceId }).onConflictDoNothing();
  const now = services.clock.now();
  const fallback = services.config.files.quotaBytes;
  const [row] = await tx
    .update(workspaceStorage)
    .set({
      usedBytes: sql`${workspaceStorage.usedBytes} + ${size}`,
      fileCount: sql`${workspaceStorage.fileCount} + 1`,
      updatedAt: now,
    })
    .where(
      and(
        eq(workspaceStorage.workspaceId, workspaceId),
        sql`${workspaceStorage.usedBytes} + ${size} <= coalesce(${workspaceStorage.quotaBytes}, ${fallback})`,
      ),
    )
    .returning({ usedBytes: workspaceStorage.usedBytes });
  if (!row) {
    const current = await usageRow(tx, workspaceId);
    throw quotaExceeded(current?.usedBytes ?? 0, quotaOf(services, current));
  }
}

/** Gives back the quota of purged files (their bytes are deleted after the commit). */
export async function releaseQuota(tx: Tx, services: Services, workspaceId: string, bytes: number, count: number) {
  if (count === 0) return;
  await tx
    .update(workspaceStorage)
    .set({
      usedBytes: sql`greatest(${workspaceStorage.usedBytes} - ${bytes}, 0)`,
      fileCount: sql`greatest(${workspaceStorage.fileCount} - ${count}, 0)`,
      updatedAt: services.clock.now(),
    })
    .where(eq(workspaceStorage.workspaceId, workspaceId));
}

export async function storageUsage(services: Services, actor: Actor): Promise<TStorageUsage> {
  return inTenant(services, actor, async (tx) => {
    const row = await usageRow(tx, actor.workspaceId);
    return {
      usedBytes: row?.usedBytes ?? 0,
      quotaBytes: quotaOf(services, row),
      fileCount: row?.fileCount ?? 0,
      maxFileBytes: services.config.files.maxBytes,
    };
  });
}

// Upload

/** Streams the part into the storage through the meter; a failure or a part over the size
 *  limit leaves nothing stored (the storage writes a temporary file and renames it). */
async function storeStream(services: Services, key: string, part: UploadPart): Promise<ContentMeter> {
  const meter = new ContentMeter(services.config.files.maxBytes);
  const results = await Promise.allSettled([pipeline(part.stream, meter), services.storage.put(key, meter)]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await services.storage.delete(key);
    const err = failed.reason as { code?: string } | undefined;
    if (err instanceof AppError) throw err;
    // @fastify/multipart's own limit (a truncated part) ends the same way as ours.
    if (err?.code === 'FST_REQ_FILE_TOO_LARGE') throw new FileTooLarge(services.config.files.maxBytes);
    throw failed.reason;
  }
  if (part.truncated?.()) {
    await services.storage.delete(key);
    throw new FileTooLarge(services.config.files.maxBytes);
  }
  return meter;
}

/**
 * Attaches an uploaded file to a record (P-CRM-7), or makes it a person's photo (P-CRM-1,
 * `purpose` 'photo'). Checks before reading the body (role, record, quota not yet full),
 * streams the bytes to the storage, sniffs the type from them, then in one transaction:
 * the record again (locked), the quota (conditional update), the file row and the audit.
 */
export async function uploadFile(
  services: Services,
  actor: Actor,
  target: RecordRef,
  part: UploadPart,
  purpose: 'attachment' | 'photo' = 'attachment',
): Promise<TFile> {
  assertCanWrite(actor);
  const ws = actor.workspaceId;
  await inTenant(services, actor, async (tx) => {
    await assertRecordVisible(tx, actor, target.kind, target.recordId);
    const row = await usageRow(tx, ws);
    const quota = quotaOf(services, row);
    if ((row?.usedBytes ?? 0) >= quota) throw quotaExceeded(row?.usedBytes ?? 0, quota);
  });
  const now = services.clock.now();
  const fileId = newId(now.getTime());
  const key = storageKey(ws, fileId);
  const name = cleanFileName(part.filename);
  const meter = await storeStream(services, key, part);
  const contentType = sniffType(meter.head, meter.text, name);
  const image = isSafeImage(contentType);
  try {
    if (meter.size === 0) throw validationFailed({ file: 'is empty' });
    if (purpose === 'photo' && !image) throw validationFailed({ file: 'must be an image (PNG, JPEG, GIF or WebP)' });
    const row = await inTenant(services, actor, async (tx) => {
      await assertRecordVisible(tx, actor, target.kind, target.recordId, { lock: true });
      await reserveQuota(tx, services, ws, meter.size);
      const [inserted] = await tx
        .insert(files)
        .values({
          workspaceId: ws,
          fileId,
          recordKind: target.kind,
          recordId: target.recordId,
          personId: target.kind === 'person' ? target.recordId : null,
          purpose,
          name,
          contentType,
          size: meter.size,
          sha256: meter.digest(),
          storageKey: key,
          thumbnailState: image ? 'pending' : 'none',
          uploadedBy: actor.userId,
          createdAt: now,
        })
        .returning();
      if (!inserted) throw new Error('file row not inserted');
      let replaced: string | null = null;
      if (purpose === 'photo') replaced = await setPhoto(tx, services, actor, target.recordId, fileId);
      await appendAudit(
        tx,
        ws,
        {
          actor: userActor(actor),
          action: purpose === 'photo' ? 'person.photo_changed' : 'file.uploaded',
          target: { type: 'file', id: fileId },
          details: {
            recordKind: target.kind,
            recordId: target.recordId,
            size: meter.size,
            contentType,
            ...(replaced ? { replacedFileId: replaced } : {}),
          },
        },
        now,
      );
      await emitRecordEvent(tx, now, ws, 'file.created', presentFile(inserted));
      return inserted;
    });
    if (image) scheduleThumbnail(services, ws, fileId);
    return presentFile(row);
  } catch (err) {
    await services.storage.delete(key);
    throw err;
  }
}

/** Makes `fileId` the person's photo; the one it replaces goes to the trash. */
async function setPhoto(tx: Tx, services: Services, actor: Actor, personId: string, fileId: string | null) {
  const ws = actor.workspaceId;
  const [person] = await tx
    .select({ photoFileId: people.photoFileId })
    .from(people)
    .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
  const old = person?.photoFileId ?? null;
  const now = services.clock.now();
  await tx
    .update(people)
    .set({ photoFileId: fileId, updatedAt: now })
    .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
  if (old && old !== fileId) {
    await tx
      .update(files)
      .set({ deletedAt: now, deletedBy: actor.userId })
      .where(and(eq(files.workspaceId, ws), eq(files.fileId, old), isNull(files.deletedAt)));
  }
  return old;
}

/** DELETE /api/v1/people/:id/photo: the photo goes to the trash. */
export async function removePersonPhoto(services: Services, actor: Actor, personId: string): Promise<void> {
  assertCanWrite(actor);
  await inTenant(services, actor, async (tx) => {
    await assertRecordVisible(tx, actor, 'person', personId, { lock: true });
    const old = await setPhoto(tx, services, actor, personId, null);
    if (!old) return;
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'person.photo_removed',
        target: { type: 'file', id: old },
        details: { recordKind: 'person', recordId: personId },
      },
      services.clock.now(),
    );
  });
}

// Reading

/** A live file whose record the actor can see (404 otherwise). */
async function findFile(tx: Tx, actor: Actor, fileId: string, opts: { deleted?: boolean } = {}): Promise<FileRow> {
  const [row] = await tx
    .select()
    .from(files)
    .where(
      and(
        eq(files.workspaceId, actor.workspaceId),
        eq(files.fileId, fileId),
        opts.deleted ? isNotNull(files.deletedAt) : isNull(files.deletedAt),
      ),
    );
  if (!row) throw notFound('The file');
  try {
    await assertRecordVisible(tx, actor, row.recordKind, row.recordId, { includeDeleted: opts.deleted });
  } catch (err) {
    // Never tell which record a hidden file belongs to.
    if (err instanceof AppError && err.code === 'not_found') throw notFound('The file');
    throw err;
  }
  return row;
}

export async function getFile(services: Services, actor: Actor, fileId: string): Promise<TFile> {
  return inTenant(services, actor, async (tx) => presentFile(await findFile(tx, actor, fileId)));
}

/** A record's attachments, newest first, keyset over (created_at, file_id). */
export async function listFiles(
  services: Services,
  actor: Actor,
  q: { kind: TFileRecordKind; record: string; after?: string | undefined; limit: number },
): Promise<TFileList> {
  return inTenant(services, actor, async (tx) => {
    await assertRecordVisible(tx, actor, q.kind, q.record);
    const conds = [
      eq(files.workspaceId, actor.workspaceId),
      eq(files.recordKind, q.kind),
      eq(files.recordId, q.record),
      isNull(files.deletedAt),
      eq(files.purpose, 'attachment'),
    ];
    if (q.after) {
      const c = decodeCursor(q.after, 'files.createdAt', 'desc');
      conds.push(sql`(${files.createdAt}, ${files.fileId}) < (${c.value}::timestamptz, ${c.id}::uuid)`);
    }
    const rows = await tx
      .select()
      .from(files)
      .where(and(...conds))
      .orderBy(desc(files.createdAt), desc(files.fileId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: 'files.createdAt', dir: 'desc', value: last.createdAt.toISOString(), id: last.fileId })
        : null;
    return { items: page.map(presentFile), nextCursor };
  });
}

export type OpenedFile = { row: FileRow; stream: Readable; contentType: string; inline: boolean };

/** The bytes of a file, for download. Every download is audited (`file.downloaded`) before
 *  the first byte leaves: a file's name and content can be personal data. */
export async function openFileContent(services: Services, actor: Actor, fileId: string): Promise<OpenedFile> {
  const row = await inTenant(services, actor, async (tx) => {
    const r = await findFile(tx, actor, fileId);
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'file.downloaded',
        target: { type: 'file', id: r.fileId },
        details: { recordKind: r.recordKind, recordId: r.recordId },
      },
      services.clock.now(),
    );
    return r;
  });
  const stream = await openStored(services, row.storageKey);
  return { row, stream, contentType: row.contentType, inline: isSafeImage(row.contentType) };
}

/** The thumbnail (WebP, no metadata); while it is being made, a safe image's original. */
export async function openThumbnail(services: Services, actor: Actor, fileId: string): Promise<OpenedFile> {
  const row = await inTenant(services, actor, (tx) => findFile(tx, actor, fileId));
  if (row.thumbnailState === 'done' && row.thumbnailKey) {
    return { row, stream: await openStored(services, row.thumbnailKey), contentType: 'image/webp', inline: true };
  }
  if (row.thumbnailState === 'pending' && isSafeImage(row.contentType)) {
    return { row, stream: await openStored(services, row.storageKey), contentType: row.contentType, inline: true };
  }
  throw notFound('The thumbnail');
}

async function openStored(services: Services, key: string): Promise<Readable> {
  try {
    return await services.storage.get(key);
  } catch (err) {
    if (err instanceof StorageNotFound) throw notFound('The content of the file');
    throw err;
  }
}

// Trash

/** To the trash (restorable for 30 days; the purge deletes the bytes and returns the quota). */
export async function deleteFile(services: Services, actor: Actor, fileId: string): Promise<TTrashItem> {
  assertCanWrite(actor);
  return inTenant(services, actor, async (tx) => {
    const row = await findFile(tx, actor, fileId);
    const now = services.clock.now();
    await tx
      .update(files)
      .set({ deletedAt: now, deletedBy: actor.userId })
      .where(and(eq(files.workspaceId, actor.workspaceId), eq(files.fileId, fileId)));
    if (row.purpose === 'photo' && row.personId) {
      await tx
        .update(people)
        .set({ photoFileId: null, updatedAt: now })
        .where(
          and(
            eq(people.workspaceId, actor.workspaceId),
            eq(people.personId, row.personId),
            eq(people.photoFileId, fileId),
          ),
        );
    }
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'file.deleted',
        target: { type: 'file', id: fileId },
        details: { recordKind: row.recordKind, recordId: row.recordId },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'file.deleted', presentTrashItem('file', fileId, row.name, now));
  });
}

/** Back from the trash onto its record (which must be live: 409 otherwise). A photo comes
 *  back as the photo if the person has none now, else as an attachment. */
export async function restoreFile(services: Services, actor: Actor, fileId: string): Promise<TFile> {
  assertCanWrite(actor);
  return inTenant(services, actor, async (tx) => {
    const row = await findFile(tx, actor, fileId, { deleted: true });
    const { deleted } = await assertRecordVisible(tx, actor, row.recordKind, row.recordId, {
      includeDeleted: true,
      lock: true,
    });
    if (deleted) throw conflict('The record this file belongs to is in the trash: restore it first.');
    let purpose = row.purpose;
    if (purpose === 'photo' && row.personId) {
      const [person] = await tx
        .select({ photoFileId: people.photoFileId })
        .from(people)
        .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, row.personId)));
      if (person?.photoFileId) purpose = 'attachment';
      else
        await tx
          .update(people)
          .set({ photoFileId: fileId, updatedAt: services.clock.now() })
          .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, row.personId)));
    }
    const [restored] = await tx
      .update(files)
      .set({ deletedAt: null, deletedBy: null, purpose })
      .where(and(eq(files.workspaceId, actor.workspaceId), eq(files.fileId, fileId)))
      .returning();
    if (!restored) throw notFound('The file');
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'file.restored',
        target: { type: 'file', id: fileId },
        details: { recordKind: row.recordKind, recordId: row.recordId },
      },
      services.clock.now(),
    );
    return emitRecordEvent(tx, services.clock.now(), actor.workspaceId, 'file.restored', presentFile(restored));
  });
}
