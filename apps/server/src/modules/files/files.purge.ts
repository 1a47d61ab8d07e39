import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { files } from '../../db/schema/index.ts';
import { heldPeople, heldRecords } from '../../privacy/retention/retention.holds.ts';
import type { Services } from '../../services.ts';
import { recordsPurgedBefore } from './files.records.ts';
import { releaseQuota } from './files.service.ts';

const BATCH = 500;

export type PurgedFiles = { count: number; bytes: number; keys: string[] };

/**
 * Deletes for good, in batches, the files of one workspace that went to the trash before
 * `cutoff`, and every file of a person, company or deal that the same purge deletes. Gives
 * their bytes back to the quota in the same transaction. Returns the storage keys: the
 * caller deletes the bytes once the transaction has committed (a crash in between leaves
 * unreferenced bytes for files.sweep, never a row without its bytes).
 */
export async function purgeFilesIn(
  tx: Tx,
  services: Services,
  workspaceId: string,
  cutoff: Date,
  now: Date = services.clock.now(),
): Promise<PurgedFiles> {
  const out: PurgedFiles = { count: 0, bytes: 0, keys: [] };
  const before = cutoff.toISOString();
  for (;;) {
    const r =
      await tx.execute(sql`delete from ${files} where ${files.workspaceId} = ${workspaceId} and ${files.fileId} in (
        select file_id from files where workspace_id = ${workspaceId} and (
          (deleted_at is not null and deleted_at <= ${before}::timestamptz)
          or (record_kind = 'person' and record_id = any(${recordsPurgedBefore('person', workspaceId, cutoff)}))
          or (record_kind = 'company' and record_id = any(${recordsPurgedBefore('company', workspaceId, cutoff)}))
          or (record_kind = 'deal' and record_id = any(${recordsPurgedBefore('deal', workspaceId, cutoff)}))
        )
        -- A legal hold keeps the file, and every file of a person under a hold (P-RET-2).
        and (person_id is null or person_id not in ${heldPeople(workspaceId, now)})
        and file_id not in ${heldRecords(workspaceId, 'files', now)}
        limit ${BATCH})
      returning size, storage_key, thumbnail_key`);
    const rows = (
      r as unknown as { rows: { size: string | number; storage_key: string; thumbnail_key: string | null }[] }
    ).rows;
    let bytes = 0;
    for (const row of rows) {
      bytes += Number(row.size);
      out.keys.push(row.storage_key);
      if (row.thumbnail_key) out.keys.push(row.thumbnail_key);
    }
    await releaseQuota(tx, services, workspaceId, bytes, rows.length);
    out.count += rows.length;
    out.bytes += bytes;
    if (rows.length < BATCH) break;
  }
  return out;
}

/** Whether the workspace has a file in the trash since before `cutoff`. */
export async function hasFilesToPurge(tx: Tx, workspaceId: string, cutoff: Date): Promise<boolean> {
  const r = await tx.execute(
    sql`select 1 from ${files} where ${files.workspaceId} = ${workspaceId} and ${files.deletedAt} is not null and ${files.deletedAt} <= ${cutoff.toISOString()}::timestamptz limit 1`,
  );
  return (r as unknown as { rows: unknown[] }).rows.length > 0;
}

/** Deletes purged bytes (after the commit). A key that fails stays on disk until the daily
 *  files.sweep finds that no row refers to it. */
export async function deleteStoredKeys(services: Services, keys: string[]): Promise<number> {
  let failed = 0;
  for (const key of keys) {
    try {
      await services.storage.delete(key);
    } catch {
      failed += 1;
    }
  }
  return failed;
}
