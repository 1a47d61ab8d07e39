import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { importItems, imports, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { reindexRecords, type SearchKind } from '../search/search.index.ts';

export const INDEX_BATCH = 1000;

export type IndexOptions = { batchSize?: number; maxBatches?: number };
export type IndexOutcome = 'done' | 'paused' | 'not-ready';

/**
 * Writes the search postings of the records an import created or updated, after its batches
 * (decision 0009): the batches leave them out, so an import writes about half the rows per
 * person it did. Walks the import's own items (`import_items`, in key order: companies, then
 * people, by record id), never the workspace; one transaction per batch that also moves the
 * resume point on the import (`search_cursor_*`), so a run cut short resumes after the last
 * committed batch, and a second run changes nothing (`reindexRecords` writes only the difference).
 *
 * Erased, purged, trashed or undone records are never given postings: the batch first takes a
 * share lock on the records it is about to index, in a statement of its own. An erasure or
 * purge (which locks or deletes the row) either commits before (the record is gone or
 * anonymised, and the next statement, with a new snapshot, sees that) or waits until this
 * batch committed (and then removes what it wrote, with the words only it had).
 */
export async function indexImportRecords(
  services: Services,
  workspaceId: string,
  importId: string,
  opts: IndexOptions = {},
): Promise<IndexOutcome> {
  const size = opts.batchSize ?? INDEX_BATCH;
  let batches = 0;
  for (;;) {
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return 'paused';
    const step = await withTenant(services.database.db, { workspaceId }, (tx) =>
      indexBatch(services, tx, workspaceId, importId, size),
    );
    if (step !== 'more') return step;
    batches += 1;
  }
}

async function indexBatch(
  services: Services,
  tx: Tx,
  ws: string,
  importId: string,
  size: number,
): Promise<IndexOutcome | 'more'> {
  const [row] = await tx
    .select({
      status: imports.status,
      dryRun: imports.dryRun,
      searchIndexedAt: imports.searchIndexedAt,
      kind: imports.searchCursorKind,
      after: imports.searchCursorId,
    })
    .from(imports)
    .where(and(eq(imports.workspaceId, ws), eq(imports.importId, importId)));
  if (!row || row.searchIndexedAt) return 'done';
  // Batches still being written (or an undo under way, which reindexes what it restores):
  // the items are not final yet.
  if (row.status === 'queued' || row.status === 'running') return 'not-ready';
  const now = services.clock.now();
  const close = async () => {
    // Only if no other run closed it or moved on meanwhile (no lock on the import row is held
    // while records are locked: an undo locks records first, then the import row).
    await tx
      .update(imports)
      .set({ searchIndexedAt: now, searchCursorKind: null, searchCursorId: null })
      .where(and(eq(imports.workspaceId, ws), eq(imports.importId, importId), isNull(imports.searchIndexedAt)));
    return 'done' as const;
  };
  if (row.dryRun || row.status === 'undoing' || row.status === 'undone') return close();
  const items = await tx
    .select({ kind: importItems.kind, recordId: importItems.recordId })
    .from(importItems)
    .where(
      and(
        eq(importItems.workspaceId, ws),
        eq(importItems.importId, importId),
        row.kind && row.after
          ? sql`(${importItems.kind}, ${importItems.recordId}) > (${row.kind}, ${row.after}::uuid)`
          : undefined,
      ),
    )
    .orderBy(asc(importItems.kind), asc(importItems.recordId))
    .limit(size);
  if (!items.length) return close();
  const counts = { records: items.length, added: 0, removed: 0 };
  for (const kind of ['company', 'person'] as const satisfies readonly SearchKind[]) {
    const ids = items.filter((i) => i.kind === kind).map((i) => i.recordId);
    if (!ids.length) continue;
    await lockRecords(tx, ws, kind, ids);
    const changed = await reindexRecords(tx, ws, kind, ids);
    counts.added += changed.added;
    counts.removed += changed.removed;
  }
  const last = items.at(-1);
  const moved = await tx
    .update(imports)
    .set({ searchCursorKind: last?.kind ?? null, searchCursorId: last?.recordId ?? null })
    .where(
      and(
        eq(imports.workspaceId, ws),
        eq(imports.importId, importId),
        isNull(imports.searchIndexedAt),
        row.after ? eq(imports.searchCursorId, row.after) : isNull(imports.searchCursorId),
      ),
    )
    .returning({ importId: imports.importId });
  // Another run indexed this batch first: what it wrote stays (the same postings), and the
  // loop goes on from where that run is now.
  if (!moved.length) return 'more';
  if (counts.added + counts.removed > 0) {
    await appendAudit(
      tx,
      ws,
      {
        actor: { kind: 'system' },
        action: 'search.indexed',
        target: { type: 'import', id: importId },
        details: counts,
      },
      now,
    );
  }
  return items.length < size ? close() : 'more';
}

/** Share locks on the live rows of these records, in id order (see `indexImportRecords`). */
async function lockRecords(tx: Tx, ws: string, kind: SearchKind, ids: string[]): Promise<void> {
  const [table, idCol] = kind === 'person' ? ['people', 'person_id'] : ['companies', 'company_id'];
  await tx.execute(
    sql`select 1 from ${sql.raw(table)} where workspace_id = ${ws}
        and ${sql.raw(idCol)} = any(${arrayParam(ids)}::uuid[]) order by ${sql.raw(idCol)} for share`,
  );
}

/** Imports whose batches are over and whose records wait for their postings, every workspace. */
export async function sweepImportIndex(services: Services): Promise<number> {
  const db = services.database.db;
  const list = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  let ran = 0;
  for (const { workspaceId } of list) {
    const due = await withTenant(db, { workspaceId }, (tx) =>
      tx
        .select({ importId: imports.importId })
        .from(imports)
        .where(
          and(
            eq(imports.workspaceId, workspaceId),
            isNull(imports.searchIndexedAt),
            inArray(imports.status, ['done', 'failed']),
          ),
        )
        .orderBy(asc(imports.createdAt))
        .limit(20),
    );
    for (const { importId } of due) {
      await indexImportRecords(services, workspaceId, importId);
      ran += 1;
    }
  }
  return ran;
}
