import type { Db } from '../../db/client.ts';
import { workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { type ChainReport, verifyChain } from './audit.service.ts';

/** Verifies the instance's chain and every workspace's chain, each in its own tenant scope. */
export async function verifyAllChains(db: Db): Promise<ChainReport[]> {
  const ids = await withSystemScope(db, async (tx) =>
    (await tx.select({ id: workspaces.workspaceId }).from(workspaces)).map((r) => r.id),
  );
  const reports: ChainReport[] = [];
  for (const workspaceId of [INSTANCE_SCOPE, ...ids]) {
    reports.push(await withTenant(db, { workspaceId }, (tx) => verifyChain(tx, workspaceId)));
  }
  return reports;
}
