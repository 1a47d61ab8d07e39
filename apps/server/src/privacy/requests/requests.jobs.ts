import { z } from 'zod';
import { withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import type { Services } from '../../services.ts';
import { buildPackage, pendingPackages, purgeExpiredPackages, workspaceIds } from './requests.package.ts';
import { purgeVerifications } from './requests.public.ts';

/**
 * Builds access packages. With a package named, builds that one; without, visits every
 * workspace for packages waiting or whose run stopped (the lease ran out) and resumes them,
 * deletes the bytes of expired packages and purges old codes of the public page. Every
 * minute, so nothing waits long when the API process that took the request has no worker.
 */
export const privacyPackageJob = defineJob({
  name: 'privacy-requests.package',
  version: 1,
  payload: z.object({ workspaceId: z.uuid().optional(), packageId: z.uuid().optional() }).strict(),
  cron: '* * * * *',
  handler: async (services, payload): Promise<Record<string, string | number>> => {
    if (payload.workspaceId && payload.packageId) {
      return { outcome: await buildPackage(services, payload.workspaceId, payload.packageId) };
    }
    return sweepPackages(services);
  },
});

export async function sweepPackages(services: Services): Promise<{ built: number; purged: number; codes: number }> {
  const now = services.clock.now();
  let built = 0;
  let purged = 0;
  let codes = 0;
  for (const workspaceId of await workspaceIds(services)) {
    const due = await withTenant(services.database.db, { workspaceId }, (tx) => pendingPackages(tx, workspaceId, now));
    for (const packageId of due) {
      if ((await buildPackage(services, workspaceId, packageId)) === 'ready') built += 1;
    }
    purged += await purgeExpiredPackages(services, workspaceId);
    codes += await withTenant(services.database.db, { workspaceId }, (tx) => purgeVerifications(tx, workspaceId, now));
  }
  return { built, purged, codes };
}
