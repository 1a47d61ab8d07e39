import { z } from 'zod';
import { workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { runInBackground } from '../../lib/background.ts';
import type { Services } from '../../services.ts';
import { processImport } from './import.run.ts';
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
      const outcome = await processImport(services, payload.workspaceId, payload.importId);
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
      await processImport(services, workspaceId, importId);
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
  runInBackground('import.run', () => processImport(services, workspaceId, importId), onError);
}
