import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { legalHolds } from '../../db/schema/index.ts';

/**
 * Legal holds as the retention job sees them (privacy/legal-holds owns the table and
 * `activeHolds`, which answers for one person). Retention works on sets of rows, so it
 * excludes held rows with a sub-select in the same statement: a hold is active from its
 * creation until released or until its `until` passes, the same test as `isActive`.
 */
function activeAt(now: Date): SQL {
  return sql`${legalHolds.releasedAt} is null and (${legalHolds.until} is null or ${legalHolds.until} > ${now.toISOString()}::timestamptz)`;
}

/** The people of a workspace with at least one active hold (a sub-select of person ids). */
export function heldPeople(workspaceId: string, now: Date): SQL {
  return sql`(select ${legalHolds.personId} from ${legalHolds} where ${legalHolds.workspaceId} = ${workspaceId} and ${activeAt(now)})`;
}

/** The records of one table under an active hold (a sub-select of record ids). */
export function heldRecords(workspaceId: string, table: string, now: Date): SQL {
  return sql`(select ${legalHolds.recordId} from ${legalHolds} where ${legalHolds.workspaceId} = ${workspaceId} and ${legalHolds.tableName} = ${table} and ${activeAt(now)})`;
}

/**
 * Whether a file is kept by a hold, over the columns of `files` (unqualified): the file is
 * held itself, or its person is held, or the deal it is attached to is held (a held record
 * keeps its files; people and files are the other kinds a hold can name that have files).
 * Never null: the trash rule puts `not` before it.
 */
export function fileHeld(workspaceId: string, now: Date): SQL {
  return sql`(file_id in ${heldRecords(workspaceId, 'files', now)}
    or (person_id is not null and person_id in ${heldPeople(workspaceId, now)})
    or (record_kind = 'deal' and record_id in ${heldRecords(workspaceId, 'deals', now)}))`;
}

/** Whether any hold is active in the workspace (P-ACC-5: a terminated workspace with one waits). */
export async function workspaceHasActiveHold(tx: Tx, workspaceId: string, now: Date): Promise<boolean> {
  const r = await tx.execute(
    sql`select 1 from ${legalHolds} where ${legalHolds.workspaceId} = ${workspaceId} and ${activeAt(now)} limit 1`,
  );
  return (r as unknown as { rows: unknown[] }).rows.length > 0;
}
