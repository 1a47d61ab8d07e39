import { and, eq, sql } from 'drizzle-orm';
import { searchIndexState, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { reindexRecords, rowsOf, type SearchKind } from './search.index.ts';
import { SEARCH_INDEX_VERSION } from './search.terms.ts';

export type BackfillOptions = { batchSize: number; maxBatches: number };
export type BackfillResult = { workspaces: number; batches: number; records: number; done: boolean };

const KINDS: SearchKind[] = ['person', 'company'];

/**
 * Indexes the records that were there before the search index (or before its rules changed:
 * a new `SEARCH_INDEX_VERSION` starts over). Walks each workspace's people, then companies,
 * in id order, one transaction per batch that also moves the resume point
 * (`search_index_state.last_id`) and writes one audit entry: a run cut short resumes where
 * it stopped, and running it again changes nothing (`reindexRecords` writes only the
 * difference). Trashed records are visited too, so they lose any postings they had.
 * At most `maxBatches` batches per run; the next scheduled run goes on.
 */
export async function backfillSearchIndex(services: Services, opts: BackfillOptions): Promise<BackfillResult> {
  const db = services.database.db;
  const list = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  const result: BackfillResult = { workspaces: 0, batches: 0, records: 0, done: true };
  for (const { workspaceId } of list) {
    let touched = false;
    for (const kind of KINDS) {
      for (;;) {
        if (result.batches >= opts.maxBatches) {
          result.done = false;
          return result;
        }
        const step = await withTenant(db, { workspaceId }, async (tx) => {
          /**
           * Once the backfill is done, each run re-indexes what changed since the last run
           * (keyset on (updated_at, id) over the live records): a writer that forgot to call
           * `reindexRecords` (a bulk import, say) is caught up within one cron period. Cheap
           * when nothing changed: those records' postings are already right.
           */
          const catchUp = async (since: Date, afterId: string | null) => {
            const [table, idCol] = kind === 'person' ? ['people', 'person_id'] : ['companies', 'company_id'];
            const rows = await rowsOf<{ id: string; updated_at: string | Date }>(
              tx,
              sql`select ${sql.raw(idCol)}::text as id, updated_at from ${sql.raw(table)}
                  where workspace_id = ${workspaceId} and deleted_at is null
                    and (updated_at, ${sql.raw(idCol)}) > (${since.toISOString()}::timestamptz, ${afterId ?? '00000000-0000-0000-0000-000000000000'}::uuid)
                  order by updated_at, ${sql.raw(idCol)} limit ${opts.batchSize}`,
            );
            const ids = rows.map((r) => r.id);
            const changed = await reindexRecords(tx, workspaceId, kind, ids);
            const now = services.clock.now();
            const full = rows.length === opts.batchSize;
            const last = rows.at(-1);
            // Done: the next run starts a minute back, for writes that were not committed yet.
            const next =
              full && last
                ? { updatedAt: new Date(last.updated_at), lastId: last.id }
                : { updatedAt: new Date(now.getTime() - 60_000), lastId: null };
            await tx
              .update(searchIndexState)
              .set(next)
              .where(and(eq(searchIndexState.workspaceId, workspaceId), eq(searchIndexState.kind, kind)));
            if (changed.added + changed.removed > 0) {
              await appendAudit(
                tx,
                workspaceId,
                {
                  actor: { kind: 'system' },
                  action: 'search.indexed',
                  details: { kind, records: ids.length, added: changed.added, removed: changed.removed },
                },
                now,
              );
            }
            // Nothing to do this run: not counted as a batch.
            if (changed.added + changed.removed === 0 && !full) return null;
            return { records: ids.length, last: !full };
          };
          const [state] = await tx
            .select()
            .from(searchIndexState)
            .where(and(eq(searchIndexState.workspaceId, workspaceId), eq(searchIndexState.kind, kind)))
            .for('update');
          const current = state?.version === SEARCH_INDEX_VERSION;
          const [table, idCol] = kind === 'person' ? ['people', 'person_id'] : ['companies', 'company_id'];
          if (current && state?.completedAt) return catchUp(state.updatedAt, state.lastId);
          const after = current ? (state?.lastId ?? null) : null;
          const ids = (
            await rowsOf<{ id: string }>(
              tx,
              sql`select ${sql.raw(idCol)}::text as id from ${sql.raw(table)} where workspace_id = ${workspaceId}
                  ${after ? sql`and ${sql.raw(idCol)} > ${after}::uuid` : sql``}
                  order by ${sql.raw(idCol)} limit ${opts.batchSize}`,
            )
          ).map((r) => r.id);
          const changed = await reindexRecords(tx, workspaceId, kind, ids);
          const now = services.clock.now();
          const values = {
            version: SEARCH_INDEX_VERSION,
            lastId: ids.length < opts.batchSize ? null : (ids.at(-1) ?? after),
            completedAt: ids.length < opts.batchSize ? now : null,
            updatedAt: now,
          };
          await tx
            .insert(searchIndexState)
            .values({ workspaceId, kind, ...values })
            .onConflictDoUpdate({ target: [searchIndexState.workspaceId, searchIndexState.kind], set: values });
          if (ids.length) {
            await appendAudit(
              tx,
              workspaceId,
              {
                actor: { kind: 'system' },
                action: 'search.indexed',
                details: { kind, records: ids.length, added: changed.added, removed: changed.removed },
              },
              now,
            );
          }
          return { records: ids.length, last: ids.length < opts.batchSize };
        });
        if (!step) break;
        touched = true;
        result.batches += 1;
        result.records += step.records;
        if (step.last) break;
      }
    }
    if (touched) result.workspaces += 1;
  }
  return result;
}
