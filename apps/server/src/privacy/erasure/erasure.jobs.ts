import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { erasures, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import type { Services } from '../../services.ts';
import { activeHolds } from '../legal-holds/legal-holds.service.ts';
import { erasePerson } from './erasure.service.ts';

const BATCH = 200;

/**
 * Completes erasures that kept records under a legal hold (P-DSR-3, P-RET-2): once every
 * hold on the person has ended or been released, the anonymised remainder and the held
 * records are erased like the rest, with a new certificate; the held erasure is marked
 * complete. Idempotent: a person with a hold still active is left for the next run.
 */
export async function finishHeldErasures(services: Services): Promise<{ finished: number; stillHeld: number }> {
  const db = services.database.db;
  const now = services.clock.now();
  const ids = await withSystemScope(db, (tx) => tx.select({ id: workspaces.workspaceId }).from(workspaces));
  const out = { finished: 0, stillHeld: 0 };
  for (const { id: workspaceId } of ids) {
    await withTenant(db, { workspaceId }, async (tx) => {
      const held = await tx
        .select({ erasureId: erasures.erasureId, personId: erasures.personId, requestId: erasures.requestId })
        .from(erasures)
        .where(and(eq(erasures.workspaceId, workspaceId), eq(erasures.state, 'held')))
        .orderBy(erasures.erasureId)
        .limit(BATCH);
      for (const h of held) {
        if ((await activeHolds(tx, workspaceId, h.personId, now)).length > 0) {
          out.stillHeld += 1;
          continue;
        }
        await erasePerson(tx, { services, workspaceId, actor: { kind: 'system' } }, h.personId, {
          reason: 'the legal hold ended: the erasure is completed',
          ...(h.requestId ? { requestId: h.requestId } : {}),
        });
        await tx
          .update(erasures)
          .set({ state: 'complete' })
          .where(and(eq(erasures.workspaceId, workspaceId), eq(erasures.erasureId, h.erasureId)));
        out.finished += 1;
      }
    });
  }
  return out;
}

/** Daily: erasures whose legal holds have ended are completed. */
export const finishHeldErasuresJob = defineJob({
  name: 'erasure.finish-held',
  version: 1,
  payload: z.object({}),
  cron: '40 3 * * *',
  handler: async (services) => finishHeldErasures(services),
});
