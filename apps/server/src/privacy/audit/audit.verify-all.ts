import type { Db, Tx } from '../../db/client.ts';
import { workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { verifyAccessSeals } from '../access-log/access-log.service.ts';
import { type ChainReport, verifyChain } from './audit.service.ts';

/** One workspace's chain, and the access rows its `access.sealed` entries cover. */
export async function verifyWorkspaceAudit(tx: Tx, workspaceId: string): Promise<ChainReport> {
  const report = await verifyChain(tx, workspaceId);
  const seals = await verifyAccessSeals(tx, workspaceId);
  if (seals.length === 0) return report;
  return {
    ...report,
    ok: false,
    problems: [
      ...report.problems,
      ...seals.map((p) => ({ workspaceId, seq: p.seq, kind: 'access_log' as const, message: p.message })),
    ],
  };
}

/** Verifies the instance's chain and every workspace's chain, each in its own tenant scope. */
export async function verifyAllChains(db: Db): Promise<ChainReport[]> {
  const ids = await withSystemScope(db, async (tx) =>
    (await tx.select({ id: workspaces.workspaceId }).from(workspaces)).map((r) => r.id),
  );
  const reports: ChainReport[] = [];
  for (const workspaceId of [INSTANCE_SCOPE, ...ids]) {
    reports.push(await withTenant(db, { workspaceId }, (tx) => verifyWorkspaceAudit(tx, workspaceId)));
  }
  return reports;
}
