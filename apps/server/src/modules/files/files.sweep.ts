import { and, eq, inArray } from 'drizzle-orm';
import { files, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import type { Services } from '../../services.ts';

const BATCH = 500;

export type SweepResult = { workspaces: number; objects: number; temporary: number };

/**
 * Deletes stored bytes that no row refers to any more: an upload whose process died between
 * the put and the commit, bytes whose deletion failed after a purge, temporary files of a
 * crashed put, and the whole folder of a workspace that was deleted (its rows went with it).
 * Only objects untouched for a day are considered, so an upload in flight is never taken.
 * Looks rows up by primary key (the file id is in the key), a batch at a time.
 */
export async function sweepStorage(services: Services): Promise<SweepResult> {
  const db = services.database.db;
  const cutoff = new Date(services.clock.now().getTime() - DAY_MS);
  const result: SweepResult = { workspaces: 0, objects: 0, temporary: 0 };
  const live = new Set(
    (await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces))).map(
      (w) => w.workspaceId,
    ),
  );
  for (const workspaceId of await services.storage.listWorkspaces()) {
    if (!live.has(workspaceId)) {
      await services.storage.deleteWorkspace(workspaceId);
      result.workspaces += 1;
      continue;
    }
    result.temporary += await services.storage.sweepTemporary(workspaceId, cutoff);
    let batch: string[] = [];
    const check = async () => {
      if (batch.length === 0) return;
      const ids = [...new Set(batch.map((k) => (k.split('/')[1] ?? '').split('.')[0] ?? ''))];
      const rows = await withTenant(db, { workspaceId }, (tx) =>
        tx
          .select({ storageKey: files.storageKey, thumbnailKey: files.thumbnailKey })
          .from(files)
          .where(and(eq(files.workspaceId, workspaceId), inArray(files.fileId, ids))),
      );
      const known = new Set(rows.flatMap((r) => (r.thumbnailKey ? [r.storageKey, r.thumbnailKey] : [r.storageKey])));
      for (const key of batch) {
        if (known.has(key)) continue;
        await services.storage.delete(key);
        result.objects += 1;
      }
      batch = [];
    };
    for await (const obj of services.storage.list(workspaceId)) {
      if (obj.modifiedAt >= cutoff) continue;
      batch.push(obj.key);
      if (batch.length >= BATCH) await check();
    }
    await check();
  }
  return result;
}
