import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { files, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { runInBackground } from '../../lib/background.ts';
import type { Services } from '../../services.ts';
import { storageKey } from '../../storage/storage.ts';

export const THUMBNAIL_SIZE = 256;
/** Larger images are not decoded at all (a small file can decode to gigabytes). */
const MAX_INPUT_PIXELS = 50_000_000;

/**
 * A square 256×256 WebP of an image, centre-cropped, turned upright by its EXIF
 * orientation first. sharp writes no metadata unless asked to, so EXIF (GPS position,
 * camera, time), XMP and IPTC of the original are not in the thumbnail.
 */
export async function renderThumbnail(input: Readable): Promise<Buffer> {
  // Loaded on first use: libvips adds ~28 MB to a process that may never see an image.
  const { default: sharp } = await import('sharp');
  const transformer = sharp({ limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
    .rotate()
    .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover', position: 'centre' })
    .webp({ quality: 80 });
  input.on('error', (err) => transformer.destroy(err));
  input.pipe(transformer);
  return transformer.toBuffer();
}

export type ThumbnailOutcome = 'done' | 'failed' | 'skipped';

/**
 * Makes the thumbnail of one file if it is still pending. Idempotent and safe to run twice
 * at once: the thumbnail's key is fixed (`<file>.thumb`), the storage replaces it whole,
 * and the row only moves from 'pending'. A file purged meanwhile loses the thumbnail again.
 */
export async function makeThumbnail(
  services: Services,
  workspaceId: string,
  fileId: string,
): Promise<ThumbnailOutcome> {
  const db = services.database.db;
  const [row] = await withTenant(db, { workspaceId }, (tx) =>
    tx
      .select()
      .from(files)
      .where(and(eq(files.workspaceId, workspaceId), eq(files.fileId, fileId), eq(files.thumbnailState, 'pending'))),
  );
  if (!row) return 'skipped';
  const key = storageKey(workspaceId, fileId, 'thumb');
  let outcome: 'done' | 'failed' = 'done';
  try {
    const thumb = await renderThumbnail(await services.storage.get(row.storageKey));
    await services.storage.put(key, Readable.from([thumb]));
  } catch {
    // A broken or hostile image (or lost bytes) is not retried forever: it gets no thumbnail.
    outcome = 'failed';
  }
  const updated = await withTenant(db, { workspaceId }, (tx) =>
    tx
      .update(files)
      .set({ thumbnailState: outcome, thumbnailKey: outcome === 'done' ? key : null })
      .where(and(eq(files.workspaceId, workspaceId), eq(files.fileId, fileId), eq(files.thumbnailState, 'pending')))
      .returning({ fileId: files.fileId }),
  );
  if (updated.length === 0) {
    const [still] = await withTenant(db, { workspaceId }, (tx) =>
      tx
        .select({ key: files.thumbnailKey })
        .from(files)
        .where(and(eq(files.workspaceId, workspaceId), eq(files.fileId, fileId))),
    );
    if (!still || still.key !== key) await services.storage.delete(key);
    return 'skipped';
  }
  return outcome;
}

const SWEEP_BATCH = 50;

/** Every pending thumbnail of every workspace (or of one file), in batches. */
export async function sweepThumbnails(
  services: Services,
  only?: { workspaceId: string; fileId: string },
): Promise<{ done: number; failed: number }> {
  const result = { done: 0, failed: 0 };
  const count = (o: ThumbnailOutcome) => {
    if (o === 'done') result.done += 1;
    if (o === 'failed') result.failed += 1;
  };
  if (only) {
    count(await makeThumbnail(services, only.workspaceId, only.fileId));
    return result;
  }
  const db = services.database.db;
  const ids = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  for (const { workspaceId } of ids) {
    for (;;) {
      const pending = await withTenant(db, { workspaceId }, (tx) =>
        tx
          .select({ fileId: files.fileId })
          .from(files)
          .where(and(eq(files.workspaceId, workspaceId), eq(files.thumbnailState, 'pending')))
          .limit(SWEEP_BATCH),
      );
      for (const p of pending) count(await makeThumbnail(services, workspaceId, p.fileId));
      if (pending.length < SWEEP_BATCH) break;
    }
  }
  return result;
}

/**
 * After an upload, the thumbnail is made at once in this process (the files.thumbnails job
 * catches up every minute with anything missed, e.g. after a restart). Tests run the job
 * themselves, so nothing runs behind their back.
 */
export function scheduleThumbnail(services: Services, workspaceId: string, fileId: string): void {
  if (services.config.env === 'test') return;
  runInBackground(
    'files.thumbnail',
    () => makeThumbnail(services, workspaceId, fileId),
    () => {
      // Left pending: the minute job tries again.
    },
  );
}
