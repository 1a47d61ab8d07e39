import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { consentRecords, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { newId } from '../../lib/ids.ts';
import type { Services } from '../../services.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { rowsOf } from '../purposes/purposes.service.ts';

const BATCH = 500;

type Lapsed = {
  person_id: string;
  purpose_key: string;
  record_id: string;
  method: (typeof consentRecords.$inferInsert)['method'];
  notice_version: number;
  notice_text_hash: string;
  expires_at: Date | string;
};

/**
 * Appends an `expired` record for every consent that lapsed (P-CK-2): the last record of the
 * person and purpose is `given` with an expiry at or before now. The state already reads
 * `expired` from the expiry on (no write needed); this record puts the lapse into the
 * history and the audit log. The record's time is the expiry itself, so a consent given
 * again after it stays the later record. Idempotent: a lapsed consent's last record is then
 * the `expired` one, which the next run does not pick.
 */
export async function expireConsentsIn(tx: Tx, workspaceId: string, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const lapsed = rowsOf<Lapsed>(
      await tx.execute(sql`
        select c.person_id, c.purpose_key, c.record_id, c.method, c.notice_version, c.notice_text_hash, c.expires_at
          from consent_records c
         where c.workspace_id = ${workspaceId} and c.state = 'given'
           and c.expires_at is not null and c.expires_at <= ${now.toISOString()}::timestamptz
           and not exists (
             select 1 from consent_records l
              where l.workspace_id = c.workspace_id and l.person_id = c.person_id and l.purpose_key = c.purpose_key
                and (l.recorded_at > c.recorded_at or (l.recorded_at = c.recorded_at and l.seq > c.seq)))
         order by c.expires_at, c.seq
         limit ${BATCH}`),
    );
    if (lapsed.length === 0) return total;
    for (const c of lapsed) {
      const expiredAt = new Date(c.expires_at);
      const recordId = newId(expiredAt.getTime());
      await tx.insert(consentRecords).values({
        workspaceId,
        recordId,
        personId: c.person_id,
        purposeKey: c.purpose_key,
        state: 'expired',
        method: c.method,
        noticeVersion: Number(c.notice_version),
        noticeTextHash: c.notice_text_hash,
        recordedAt: expiredAt,
        actorKind: 'system',
        evidence: { lapsedRecordId: c.record_id, expiresAt: expiredAt.toISOString() },
      });
      await appendAudit(
        tx,
        workspaceId,
        {
          actor: { kind: 'system' },
          action: 'privacy.consent_expired',
          target: { type: 'person', id: c.person_id },
          details: {
            recordId,
            purposeKey: c.purpose_key,
            lapsedRecordId: c.record_id,
            expiresAt: expiredAt.toISOString(),
          },
        },
        now,
      );
    }
    total += lapsed.length;
    if (lapsed.length < BATCH) return total;
  }
}

/** Every workspace in turn, one transaction each. */
export async function expireConsents(services: Services): Promise<{ expired: number }> {
  const db = services.database.db;
  const now = services.clock.now();
  const ids = await withSystemScope(db, (tx) => tx.select({ id: workspaces.workspaceId }).from(workspaces));
  let expired = 0;
  for (const { id: workspaceId } of ids) {
    expired += await withTenant(db, { workspaceId }, (tx) => expireConsentsIn(tx, workspaceId, now));
  }
  return { expired };
}

/** Daily: consents past their expiry get their `expired` record. */
export const expireConsentsJob = defineJob({
  name: 'consent.expire',
  version: 1,
  payload: z.object({}),
  cron: '20 3 * * *',
  handler: async (services) => expireConsents(services),
});
