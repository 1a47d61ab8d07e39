import { createHash } from 'node:crypto';
import { and, asc, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Db, Tx } from '../../db/client.ts';
import { cachedStatement } from '../../db/named.ts';
import { accessLog, auditEntries, workspaces } from '../../db/schema/index.ts';
import { sendWithCommit, withSystemScope, withTenant } from '../../db/tenant.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../audit/audit.service.ts';

/**
 * The access log: every read of personal data, written in the reading transaction (so a
 * read that fails leaves no row and a row is never missing for a read that succeeded),
 * and sealed into the workspace's audit chain in batches by `sealAccessLog`. Rows do not
 * take the chain head's lock: reads stay parallel.
 */
export type AccessActor = { kind: 'user' | 'api_key' | 'operator' | 'system'; id: string | null };
export type AccessAction = 'read' | 'list' | 'search' | 'export' | 'download';

export type AccessEvent = {
  actor: AccessActor;
  action: AccessAction;
  /** The feature or API path, e.g. `people.get`, `people.list`, `files.content`. */
  via: string;
  /** The records read, one row each; none for a request over many (then `details`). */
  subjects?: { kind: 'person' | 'company' | 'deal' | 'file'; ids: readonly string[] };
  /** Filters and counts; ids and numbers only, never contact data. */
  details?: Record<string, unknown>;
};

/** From a request's workspace context: a key's own id when a bearer key read the data. */
export function accessActorOf(ctx: { user: { id: string }; apiKey?: { id: string } | null }): AccessActor {
  return ctx.apiKey ? { kind: 'api_key', id: ctx.apiKey.id } : { kind: 'user', id: ctx.user.id };
}

export async function recordAccess(tx: Tx, workspaceId: string, event: AccessEvent, now: Date): Promise<void> {
  const ids = event.subjects?.ids ?? [];
  const entryIds = (ids.length > 0 ? ids : [null]).map(() => newId(now.getTime()));
  // One row per record read (one row without a subject for a request over many), in one
  // statement with the commit setting below. The access row is a record of a read, not the
  // user's own data: losing the last moments of it in a database crash is acceptable, a
  // flush to disk on every read is not. PostgreSQL still writes it in order and never half
  // (see the README).
  const values = {
    ws: workspaceId,
    at: now.toISOString(),
    actorKind: event.actor.kind,
    actorId: event.actor.id,
    action: event.action,
    via: event.via,
    subjectKind: ids.length > 0 ? (event.subjects?.kind ?? null) : null,
    details: JSON.stringify(event.details ?? {}),
    entries: arrayParam(entryIds),
    subjects: ids.length > 0 ? arrayParam(ids) : null,
  };
  // Where the transaction can, the row goes with its COMMIT, in the same message: the read
  // pays no round trip for its access row (decision 0008). Nothing reads it back before.
  const shape = ids.length > 0 ? 'subjects' : 'none';
  const send = sendWithCommit(tx);
  if (send) {
    send(accessStatement.inlined(tx, shape, values));
    return;
  }
  await accessStatement(tx, shape, values);
}

/** The insert and the commit setting in one statement (a data-modifying WITH runs whether or
 *  not it is read); text built once per shape (with subjects, or one row without). */
const accessStatement = cachedStatement(
  (shape) => sql`with written as (
      insert into access_log (workspace_id, entry_id, occurred_at, actor_kind, actor_id, action, via, subject_kind, subject_id, details)
      select ${sql.placeholder('ws')}::uuid, e.entry_id, ${sql.placeholder('at')}::timestamptz, ${sql.placeholder('actorKind')},
        ${sql.placeholder('actorId')}::uuid, ${sql.placeholder('action')}, ${sql.placeholder('via')}, ${sql.placeholder('subjectKind')},
        e.subject_id, ${sql.placeholder('details')}::jsonb
      from unnest(${sql.placeholder('entries')}::uuid[], ${shape === 'subjects' ? sql`${sql.placeholder('subjects')}::uuid[]` : sql`array[null]::uuid[]`}) as e(entry_id, subject_id))
    select set_config('synchronous_commit', 'off', true)`,
);

export type AccessEntry = {
  entryId: string;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  action: string;
  via: string;
  subjectKind: string | null;
  subjectId: string | null;
  details: unknown;
  sealedSeq: number | null;
};

/** Who read one record, newest first, keyset on (occurred_at, entry_id). */
export async function listAccessesOf(
  tx: Tx,
  workspaceId: string,
  subjectId: string,
  page: { limit: number; before?: { at: Date; id: string } },
): Promise<{ entries: AccessEntry[]; next: { at: Date; id: string } | null }> {
  const conds = [eq(accessLog.workspaceId, workspaceId), eq(accessLog.subjectId, subjectId)];
  if (page.before) {
    const b = page.before;
    const older = or(lt(accessLog.occurredAt, b.at), and(eq(accessLog.occurredAt, b.at), lt(accessLog.entryId, b.id)));
    if (older) conds.push(older);
  }
  const rows = await tx
    .select()
    .from(accessLog)
    .where(and(...conds))
    .orderBy(desc(accessLog.occurredAt), desc(accessLog.entryId))
    .limit(page.limit + 1);
  const entries = rows.slice(0, page.limit) as AccessEntry[];
  const last = entries.at(-1);
  return { entries, next: rows.length > page.limit && last ? { at: last.occurredAt, id: last.entryId } : null };
}

/** The digest a seal entry carries: SHA-256 over the canonical rows, in entry order. */
export function sealDigest(rows: readonly AccessEntry[]): string {
  const h = createHash('sha256');
  for (const r of rows) {
    h.update(
      canonicalJson({
        entryId: r.entryId,
        occurredAt: r.occurredAt,
        actorKind: r.actorKind,
        actorId: r.actorId,
        action: r.action,
        via: r.via,
        subjectKind: r.subjectKind,
        subjectId: r.subjectId,
        details: r.details,
      }),
    );
    h.update('\n');
  }
  return h.digest('hex');
}

export const SEAL_BATCH = 5000;

/**
 * Seals the workspace's unsealed rows into its audit chain, `SEAL_BATCH` at a time, each
 * batch in its own transaction: one `access.sealed` entry with the count, the first and
 * last entry ids and the digest, and the rows marked with its sequence number. Rows are
 * taken in entry-id order up to the newest id that existed when the batch began; a crash
 * between batches leaves the rest for the next run (idempotent: sealed rows are skipped).
 */
export async function sealWorkspaceAccessLog(db: Db, workspaceId: string, now: Date): Promise<number> {
  let sealed = 0;
  for (;;) {
    const n = await withTenant(db, { workspaceId }, async (tx) => {
      const rows = (await tx
        .select()
        .from(accessLog)
        .where(and(eq(accessLog.workspaceId, workspaceId), isNull(accessLog.sealedSeq)))
        .orderBy(asc(accessLog.entryId))
        .limit(SEAL_BATCH)
        .for('update', { skipLocked: true })) as AccessEntry[];
      if (rows.length === 0) return 0;
      const first = rows[0] as AccessEntry;
      const last = rows.at(-1) as AccessEntry;
      const seq = await appendAudit(
        tx,
        workspaceId,
        {
          actor: { kind: 'system' },
          action: 'access.sealed',
          details: {
            count: rows.length,
            firstEntryId: first.entryId,
            lastEntryId: last.entryId,
            digest: sealDigest(rows),
          },
        },
        now,
      );
      const ids = rows.map((r) => r.entryId);
      await tx
        .update(accessLog)
        .set({ sealedSeq: seq })
        .where(and(eq(accessLog.workspaceId, workspaceId), sql`${accessLog.entryId} = any(${sql.param(ids)}::uuid[])`));
      return rows.length;
    });
    sealed += n;
    if (n < SEAL_BATCH) return sealed;
  }
}

/** Every workspace with unsealed rows. */
export async function sealAccessLog(db: Db, now: Date): Promise<{ workspaces: number; rows: number }> {
  const ids = await withSystemScope(db, async (tx) =>
    (await tx.select({ id: workspaces.workspaceId }).from(workspaces)).map((r) => r.id),
  );
  let rows = 0;
  let touched = 0;
  for (const id of ids) {
    const n = await sealWorkspaceAccessLog(db, id, now);
    if (n > 0) touched++;
    rows += n;
  }
  return { workspaces: touched, rows };
}

export type SealProblem = { seq: number; kind: 'count' | 'digest'; message: string };

/**
 * Checks every seal of a workspace against the rows it sealed: same count, same digest.
 * The audit chain itself proves the seal entries were not changed; this proves the rows
 * were not changed, removed or added under a seal after it was made.
 */
export async function verifyAccessSeals(tx: Tx, workspaceId: string): Promise<SealProblem[]> {
  const problems: SealProblem[] = [];
  let after = 0;
  for (;;) {
    const seals = await tx
      .select({ seq: auditEntries.seq, details: auditEntries.details })
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.workspaceId, workspaceId),
          eq(auditEntries.action, 'access.sealed'),
          sql`${auditEntries.seq} > ${after}`,
        ),
      )
      .orderBy(asc(auditEntries.seq))
      .limit(100);
    if (seals.length === 0) return problems;
    for (const seal of seals) {
      after = seal.seq;
      const d = seal.details as { count?: number; digest?: string };
      const rows = (await tx
        .select()
        .from(accessLog)
        .where(and(eq(accessLog.workspaceId, workspaceId), eq(accessLog.sealedSeq, seal.seq)))
        .orderBy(asc(accessLog.entryId))) as AccessEntry[];
      if (rows.length === 0 && (await retiredByRetention(tx, workspaceId, seal.seq))) continue;
      if (rows.length !== d.count) {
        problems.push({
          seq: seal.seq,
          kind: 'count',
          message: `the seal covers ${d.count} access rows, ${rows.length} are there`,
        });
      } else if (sealDigest(rows) !== d.digest) {
        problems.push({ seq: seal.seq, kind: 'digest', message: 'an access row under this seal was changed' });
      }
    }
  }
}

/** Whether the retention job deleted this seal's rows (an `access.retired` entry in the chain
 *  names it: privacy/retention, rule access_log). Then no rows under the seal is expected. */
async function retiredByRetention(tx: Tx, workspaceId: string, seq: number): Promise<boolean> {
  const r = await tx
    .select({ seq: auditEntries.seq })
    .from(auditEntries)
    .where(
      and(
        eq(auditEntries.workspaceId, workspaceId),
        eq(auditEntries.action, 'access.retired'),
        sql`(${auditEntries.details}->>'seq')::bigint = ${seq}`,
      ),
    )
    .limit(1);
  return r.length > 0;
}
