import { z } from 'zod';
import { workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { runInBackground } from '../../lib/background.ts';
import type { Services } from '../../services.ts';
import { processImport, type RunOutcome } from './import.run.ts';
import { indexImportRecords, sweepImportIndex } from './import.search.ts';
import { pendingImports } from './import.service.ts';

/**
 * Runs imports and undos. With an import named, runs that one; without, visits every
 * workspace for imports that are queued or whose run stopped (a crash leaves a lease that
 * runs out) and resumes them. Every minute, so nothing waits long even when the API process
 * that took the upload has no worker.
 */
export const importRunJob = defineJob({
  name: 'import.run',
  version: 1,
  payload: z
    .object({
      workspaceId: z.uuid().optional(),
      importId: z.uuid().optional(),
    })
    .strict(),
  cron: '* * * * *',
  handler: async (services, payload): Promise<Record<string, string | number>> => {
    if (payload.workspaceId && payload.importId) {
      const outcome = await runAndIndex(services, payload.workspaceId, payload.importId);
      return { outcome };
    }
    return { imports: await sweepImports(services) };
  },
});

export async function sweepImports(services: Services): Promise<number> {
  const db = services.database.db;
  const ids = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  let ran = 0;
  for (const { workspaceId } of ids) {
    const due = await withTenant(db, { workspaceId }, (tx) => pendingImports(tx, workspaceId, services.clock.now()));
    for (const importId of due) {
      await runAndIndex(services, workspaceId, importId);
      ran += 1;
    }
  }
  return ran;
}

/** Starts a run in this process at once (the job's sweep is the fallback): the lease makes
 *  sure only one run works on an import. */
export function startImportNow(
  services: Services,
  workspaceId: string,
  importId: string,
  onError: (err: unknown) => void,
): void {
  runInBackground('import.run', () => runAndIndex(services, workspaceId, importId), onError);
}

/** Runs the import, then (its batches done) the search postings of what it wrote: in seconds
 *  for a small import, rather than at the next minute's `import.index` sweep. */
async function runAndIndex(services: Services, workspaceId: string, importId: string): Promise<RunOutcome> {
  const outcome = await processImport(services, workspaceId, importId);
  if (outcome === 'done' || outcome === 'failed') await indexImportRecords(services, workspaceId, importId);
  return outcome;
}

/**
 * The search postings of what imports created or updated (decision 0009). With an import
 * named, indexes that one (if its batches are done); without, every minute, every import
 * whose batches are done and whose records still wait, resuming where a run stopped.
 */
export const importIndexJob = defineJob({
  name: 'import.index',
  version: 1,
  payload: z
    .object({
      workspaceId: z.uuid().optional(),
      importId: z.uuid().optional(),
      batchSize: z.number().int().min(1).max(5000).optional(),
      maxBatches: z.number().int().min(1).optional(),
    })
    .strict(),
  cron: '* * * * *',
  handler: async (services, payload): Promise<Record<string, string | number>> => {
    if (payload.workspaceId && payload.importId) {
      const outcome = await indexImportRecords(services, payload.workspaceId, payload.importId, payload);
      return { outcome };
    }
    return { imports: await sweepImportIndex(services) };
  },
});
