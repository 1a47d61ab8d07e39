import type { TConsentMethod, TConsentState } from '@tillit/contracts';
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { consentRecords } from '../../db/schema/index.ts';
import { validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { assertPersonExists, getPurpose, rowsOf } from '../purposes/purposes.service.ts';
import { currentNotice, noticeVersion as findNoticeVersion } from '../register/notice.service.ts';
import { consentExpiry } from './consent.lifetime.ts';

export type { PrivacyCtx };
export { consentExpiry };

// The consent ledger (P-CK-2, P-DSR-6; shaped after ISO/IEC TS 27560). Append-only: the
// migration's trigger refuses UPDATE, and DELETE while the person exists. The state of a
// consent at time T is the last record at or before T for that person and purpose; records
// with the same time are ordered by `seq` (the order of appending). A `given` record may
// carry an expiry (the purpose's consent lifetime): from then on it reads as `expired`
// without any write, and the daily `consent.expire` job appends the `expired` record.

export type ConsentRecordRow = typeof consentRecords.$inferSelect;

export type ConsentInput = {
  personId: string;
  /** The purpose key, e.g. `marketing.email`. */
  purpose: string;
  state: 'given' | 'withdrawn';
  method: TConsentMethod;
  /** The notice version the person answered; the current one when null or undefined. */
  noticeVersion?: number | null;
  /** When given, must equal the hash of that version's text (what the person saw). */
  noticeTextHash?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  evidence?: Record<string, unknown> | null;
  /** Required for `import_with_proof`: where the proof of the imported consent is. */
  proof?: string | null;
  /** Who made the choice: the person themselves (a form, a link), or staff on their behalf
   *  (the default when ctx.actor is a user). */
  actorKind?: 'person' | 'staff' | 'import' | 'system';
};

export async function recordConsent(tx: Tx, ctx: PrivacyCtx, input: ConsentInput): Promise<ConsentRecordRow> {
  const purpose = await getPurpose(tx, ctx.workspaceId, input.purpose);
  if (purpose.legalBasis !== 'consent') {
    throw validationFailed({
      purposeKey: `${purpose.key} rests on ${purpose.legalBasis.replace('_', ' ')}, not on consent`,
    });
  }
  if (purpose.archived && input.state === 'given') {
    throw validationFailed({ purposeKey: `${purpose.key} is archived` });
  }
  if (input.method === 'import_with_proof' && !input.proof?.trim()) {
    throw validationFailed({ proof: 'is required for an imported consent: name where the proof is kept' });
  }
  await assertPersonExists(tx, ctx.workspaceId, input.personId);
  const notice =
    input.noticeVersion == null
      ? await currentNotice(tx, ctx.workspaceId, ctx.now)
      : await findNoticeVersion(tx, ctx.workspaceId, input.noticeVersion);
  if (input.noticeTextHash && input.noticeTextHash !== notice.textHash) {
    throw validationFailed({ noticeTextHash: `does not match the text of notice version ${notice.version}` });
  }
  const expiresAt = input.state === 'given' ? consentExpiry(purpose.consentMonths, ctx.now) : null;
  const actorKind =
    input.actorKind ?? (ctx.actor.kind === 'user' ? 'staff' : ctx.actor.kind === 'anonymous' ? 'person' : 'system');
  const [row] = await tx
    .insert(consentRecords)
    .values({
      workspaceId: ctx.workspaceId,
      recordId: newId(ctx.now.getTime()),
      personId: input.personId,
      purposeKey: purpose.key,
      state: input.state,
      method: input.method,
      noticeVersion: notice.version,
      noticeTextHash: notice.textHash,
      recordedAt: ctx.now,
      expiresAt,
      actorKind,
      actorId: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      proof: input.proof?.trim() || null,
      evidence: input.evidence ?? {},
    })
    .returning();
  if (!row) throw new Error('consent: the record was not written');
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: input.state === 'given' ? 'privacy.consent_given' : 'privacy.consent_withdrawn',
      target: { type: 'person', id: input.personId },
      details: {
        recordId: row.recordId,
        purposeKey: purpose.key,
        method: input.method,
        noticeVersion: notice.version,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
      },
      personal: { ip: input.ip ?? null, userAgent: input.userAgent ?? null },
    },
    ctx.now,
  );
  return row;
}

/** A record as it reads at `at`: a `given` record past its expiry is `expired`. */
export function stateAsOf(r: { state: TConsentState; expiresAt: Date | null }, at: Date): TConsentState {
  return r.state === 'given' && r.expiresAt !== null && r.expiresAt.getTime() <= at.getTime() ? 'expired' : r.state;
}

export type ConsentStateItem = {
  purposeKey: string;
  state: TConsentState;
  recordId: string;
  recordedAt: Date;
  noticeVersion: number;
  /** When the consent lapses (or lapsed), for a given consent with a lifetime. */
  expiresAt: Date | null;
};

/** Per purpose, the state as of `at`: the last record at or before it, `expired` when it is a
 *  given consent whose expiry is at or before `at`. Purposes never asked are absent. */
export async function consentStateAt(
  tx: Tx,
  workspaceId: string,
  personId: string,
  at: Date,
): Promise<Map<string, ConsentStateItem>> {
  const res = await tx.execute(
    sql`select distinct on (c.purpose_key) c.purpose_key, c.state, c.record_id, c.recorded_at, c.notice_version, c.expires_at
          from consent_records c
         where c.workspace_id = ${workspaceId} and c.person_id = ${personId} and c.recorded_at <= ${at.toISOString()}::timestamptz
         order by c.purpose_key, c.recorded_at desc, c.seq desc`,
  );
  const out = new Map<string, ConsentStateItem>();
  for (const r of rowsOf<{
    purpose_key: string;
    state: TConsentState;
    record_id: string;
    recorded_at: Date | string;
    notice_version: number;
    expires_at: Date | string | null;
  }>(res)) {
    const expiresAt = r.expires_at === null ? null : new Date(r.expires_at);
    out.set(r.purpose_key, {
      purposeKey: r.purpose_key,
      state: stateAsOf({ state: r.state, expiresAt }, at),
      recordId: r.record_id,
      recordedAt: new Date(r.recorded_at),
      noticeVersion: Number(r.notice_version),
      expiresAt,
    });
  }
  return out;
}

/** The last record of one consent as it reads at `at` (a given consent past its expiry reads
 *  `expired`), or null if never asked. */
export async function currentConsent(
  tx: Tx,
  workspaceId: string,
  personId: string,
  purposeKey: string,
  at: Date,
): Promise<ConsentRecordRow | null> {
  const [row] = await tx
    .select()
    .from(consentRecords)
    .where(
      and(
        eq(consentRecords.workspaceId, workspaceId),
        eq(consentRecords.personId, personId),
        eq(consentRecords.purposeKey, purposeKey),
      ),
    )
    .orderBy(desc(consentRecords.recordedAt), desc(consentRecords.seq))
    .limit(1);
  return row ? { ...row, state: stateAsOf(row, at) } : null;
}

/** The ledger of one person, newest first (same time: the later appended first). The cursor
 *  names the last record seen; its place is (recorded_at, seq). */
export async function consentHistory(
  tx: Tx,
  workspaceId: string,
  personId: string,
  page: { limit: number; before?: { at: Date; id: string } },
): Promise<{ records: ConsentRecordRow[]; next: { at: Date; id: string } | null }> {
  const conds = [eq(consentRecords.workspaceId, workspaceId), eq(consentRecords.personId, personId)];
  if (page.before) {
    const b = page.before;
    const [ref] = await tx
      .select({ seq: consentRecords.seq })
      .from(consentRecords)
      .where(and(eq(consentRecords.workspaceId, workspaceId), eq(consentRecords.recordId, b.id)));
    const older = ref
      ? or(
          lt(consentRecords.recordedAt, b.at),
          and(eq(consentRecords.recordedAt, b.at), lt(consentRecords.seq, ref.seq)),
        )
      : lt(consentRecords.recordedAt, b.at);
    if (older) conds.push(older);
  }
  const rows = await tx
    .select()
    .from(consentRecords)
    .where(and(...conds))
    .orderBy(desc(consentRecords.recordedAt), desc(consentRecords.seq))
    .limit(page.limit + 1);
  const records = rows.slice(0, page.limit);
  const last = records.at(-1);
  return { records, next: rows.length > page.limit && last ? { at: last.recordedAt, id: last.recordId } : null };
}
