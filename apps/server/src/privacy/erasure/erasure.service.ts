import { createHash } from 'node:crypto';
import type { TCertificateEntry, TErasureCertificate } from '@tillit/contracts';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { auditEntries, erasures, people } from '../../db/schema/index.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { releaseQuota } from '../../modules/files/files.service.ts';
import { emitRecordEvent } from '../../modules/webhooks/webhooks.emit.ts';
import type { Services } from '../../services.ts';
import { type AuditActor, appendAudit } from '../audit/audit.service.ts';
import { appendLedger, countLedgerEvent } from '../backup/erasure-ledger.ts';
import { declaredTables } from '../data-map/data-map.ts';
import { activeHolds, type LegalHoldRow } from '../legal-holds/legal-holds.service.ts';
import { normaliseEmail, type TombstoneKind, tombstoneHash, writeTombstones } from './tombstones.ts';

/**
 * Erasure of one person (P-DSR-3, P-RET-2). Walks the data map: every table whose subject is
 * a person loses that person's rows; records under an active legal hold stay, with the person
 * reduced to an anonymised stub that keeps only what the hold needs. Every identifier gets a
 * tombstone, the search postings and unsealed access rows go, the personal details of audit
 * entries about them are erased (the chain still verifies), file bytes are deleted, and a
 * certificate is written and signed by the `person.erased` audit entry. Set-based SQL on
 * indexes that lead with (workspace_id, person id); no statement scans the workspace.
 */
export type ErasureContext = {
  services: Pick<Services, 'clock' | 'keys' | 'storage' | 'config'> & Partial<Services>;
  workspaceId: string;
  actor: AuditActor;
  /** False when replaying the erasure ledger (the event is in it already). */
  ledger?: boolean;
};

export type ErasureOptions = { requestId?: string; reason: string };
export type ErasureCertificate = TErasureCertificate;

type Rows = { rows: Record<string, unknown>[] };
const rowsOf = (r: unknown) => (r as Rows).rows;
const count = async (tx: Tx, q: ReturnType<typeof sql>) => Number(rowsOf(await tx.execute(q))[0]?.n ?? 0);

/** Content kept only through a link to people: deleted when only this person is linked. */
const CONTENT = [
  { table: 'notes', link: 'note_people', id: 'note_id' },
  { table: 'interactions', link: 'interaction_people', id: 'interaction_id' },
  { table: 'tasks', link: 'task_people', id: 'task_id' },
] as const;

/** Subject tables handled above the generic walk (their rows may be kept under a hold). */
const HANDLED = new Set(['people', 'files', 'note_people', 'interaction_people', 'task_people', 'deal_people']);

/** Other columns that name a person without being the table's subject. */
const ALSO_NAMING = [
  { table: 'person_merges', column: 'merged_id' },
  { table: 'person_non_duplicates', column: 'person_b' },
] as const;

/** Fields of `people` a hold on the person keeps: what an invoice or a contract names. */
const HELD_PERSON_FIELDS = ['first_name', 'last_name', 'street', 'state', 'postal_code', 'city', 'country'];
const CLEARED_PERSON_FIELDS = ['title', 'owner_id', 'photo_file_id'];

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);
const uuids = (ids: readonly string[]) => sql`${sql.param([...ids])}::uuid[]`;

function holdRef(h: LegalHoldRow) {
  return { id: h.holdId, reason: h.reason, until: h.until ? h.until.toISOString() : null };
}

export function certificateDigest(c: Omit<TErasureCertificate, 'audit'>): string {
  const { audit: _audit, ...rest } = c as TErasureCertificate;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

export async function erasePerson(
  tx: Tx,
  ctx: ErasureContext,
  personId: string,
  opts: ErasureOptions,
): Promise<ErasureCertificate> {
  const ws = ctx.workspaceId;
  const now = ctx.services.clock.now();
  const [person] = await tx
    .select({ personId: people.personId })
    .from(people)
    .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)))
    .for('update');
  if (!person) {
    // Erased before (or never here): the last certificate answers, nothing is done twice.
    const [prev] = await tx
      .select({ certificate: erasures.certificate })
      .from(erasures)
      .where(and(eq(erasures.workspaceId, ws), eq(erasures.personId, personId)))
      .orderBy(desc(erasures.erasedAt))
      .limit(1);
    if (prev) return prev.certificate as ErasureCertificate;
    throw notFound('The person');
  }
  const erasureId = newId(now.getTime());
  const holds = await activeHolds(tx, ws, personId, now);
  const heldIn = (table: string) => holds.filter((h) => h.tableName === table).map((h) => h.recordId);
  const entries: TCertificateEntry[] = [];
  const deleted = (table: string, rows: number, note?: string) => {
    if (rows > 0) entries.push({ table, action: 'deleted', rows, ...(note ? { note } : {}) });
  };

  // 1. Tombstones for every email and phone the person has or had (merged duplicates too).
  const idRows = rowsOf(
    await tx.execute(sql`
      select 'email' as kind, email as value from person_emails where workspace_id = ${ws} and person_id = ${personId}
      union select 'phone', phone from person_phones where workspace_id = ${ws} and person_id = ${personId}
      union select 'email', e->>'value' from person_merges m, jsonb_array_elements(case when jsonb_typeof(m.previous->'emails') = 'array' then m.previous->'emails' else '[]'::jsonb end) e
        where m.workspace_id = ${ws} and m.survivor_id = ${personId} and e->>'value' is not null
      union select 'phone', e->>'value' from person_merges m, jsonb_array_elements(case when jsonb_typeof(m.previous->'phones') = 'array' then m.previous->'phones' else '[]'::jsonb end) e
        where m.workspace_id = ${ws} and m.survivor_id = ${personId} and e->>'value' is not null`),
  ) as { kind: TombstoneKind; value: string }[];
  const marks = idRows.map((r) => ({
    kind: r.kind,
    // Phones are stored in E.164 already; emails trimmed and lower-cased.
    hash: tombstoneHash(ctx.services.keys, ws, r.kind, r.kind === 'email' ? normaliseEmail(r.value) : r.value),
  }));
  await writeTombstones(tx, { keys: ctx.services.keys, workspaceId: ws }, marks, erasureId, now);
  const uniqueMarks = [...new Map(marks.map((m) => [m.hash, m])).values()];

  // 2. Files of the person (not those under a hold): rows now, bytes once the rows are gone.
  const heldFiles = heldIn('files');
  const fileRows = rowsOf(
    await tx.execute(sql`
      delete from files where workspace_id = ${ws}
        and (person_id = ${personId} or (record_kind = 'person' and record_id = ${personId}))
        and not (file_id = any(${uuids(heldFiles)}))
      returning size, storage_key, thumbnail_key`),
  ) as { size: string | number; storage_key: string; thumbnail_key: string | null }[];
  const storageKeys = fileRows.flatMap((f) => (f.thumbnail_key ? [f.storage_key, f.thumbnail_key] : [f.storage_key]));
  if (fileRows.length && ctx.services.database) {
    await releaseQuota(
      tx,
      ctx.services as Services,
      ws,
      fileRows.reduce((s, f) => s + Number(f.size), 0),
      fileRows.length,
    );
  }
  deleted('files', fileRows.length, 'rows and stored bytes (and thumbnails)');

  // 3. Notes, calls and meetings, tasks: those about this person only are deleted; those
  //    also about other people lose the link; those under a hold keep it.
  for (const c of CONTENT) {
    const held = heldIn(c.table);
    const gone = await count(
      tx,
      sql`with mine as (
            select ${ident(c.id)} as id from ${ident(c.link)} where workspace_id = ${ws} and person_id = ${personId}
              and not (${ident(c.id)} = any(${uuids(held)}))),
          lonely as (
            select id from mine where not exists (
              select 1 from ${ident(c.link)} o where o.workspace_id = ${ws} and o.${ident(c.id)} = mine.id and o.person_id <> ${personId})),
          d as (delete from ${ident(c.table)} t where t.workspace_id = ${ws} and t.${ident(c.id)} in (select id from lonely) returning 1)
          select count(*)::int as n from d`,
    );
    const unlinked = await count(
      tx,
      sql`with d as (delete from ${ident(c.link)} where workspace_id = ${ws} and person_id = ${personId}
            and not (${ident(c.id)} = any(${uuids(held)})) returning 1) select count(*)::int as n from d`,
    );
    deleted(c.table, gone, `${c.table} about this person only (with their links)`);
    if (unlinked > 0) {
      entries.push({
        table: c.link,
        action: 'deleted',
        rows: unlinked,
        note: `links to ${c.table} that are also about other people; those records stay with the other people`,
      });
    }
  }
  // Deals are the business's records: the person's link to them goes unless the deal is held.
  deleted(
    'deal_people',
    await count(
      tx,
      sql`with d as (delete from deal_people where workspace_id = ${ws} and person_id = ${personId}
            and not (deal_id = any(${uuids(heldIn('deals'))})) returning 1) select count(*)::int as n from d`,
    ),
  );

  // 4. Search: the postings go, and the words nobody else has leave the vocabulary.
  const terms = rowsOf(
    await tx.execute(sql`select term from person_search_terms where workspace_id = ${ws} and person_id = ${personId}`),
  ).map((r) => String(r.term));

  // 4b. Their requests stay as the record of how each was answered (the requester's address
  //     with it), but what they wrote and the corrected values of a rectification go.
  const requests = await count(
    tx,
    sql`with d as (update privacy_requests set details = '', correction = null
          where workspace_id = ${ws} and (details <> '' or correction is not null) and request_id in (
            select request_id from privacy_request_people where workspace_id = ${ws} and person_id = ${personId})
          returning 1) select count(*)::int as n from d`,
  );
  if (requests > 0) {
    entries.push({
      table: 'privacy_requests',
      action: 'anonymised',
      rows: requests,
      fields: ['details', 'correction'],
      note: 'the requests stay as the record of how they were answered',
    });
  }

  // 5. The data map: every other table whose subject is a person.
  for (const t of declaredTables()) {
    if (t.tenancy !== 'tenant' || t.subject?.kind !== 'person' || HANDLED.has(t.name)) continue;
    const n = await count(
      tx,
      sql`with d as (delete from ${ident(t.name)} where workspace_id = ${ws} and ${ident(t.subject.column)} = ${personId} returning 1) select count(*)::int as n from d`,
    );
    deleted(t.name, n);
  }
  for (const a of ALSO_NAMING) {
    const n = await count(
      tx,
      sql`with d as (delete from ${ident(a.table)} where workspace_id = ${ws} and ${ident(a.column)} = ${personId} returning 1) select count(*)::int as n from d`,
    );
    deleted(a.table, n, `rows naming the person as ${a.column}`);
  }
  if (terms.length) {
    const words = await count(
      tx,
      sql`with d as (delete from search_words w where w.workspace_id = ${ws} and w.word = any(${sql.param(terms)}::text[])
            and not exists (select 1 from person_search_terms p where p.workspace_id = ${ws} and p.term = w.word)
            and not exists (select 1 from company_search_terms c where c.workspace_id = ${ws} and c.term = w.word)
          returning 1) select count(*)::int as n from d`,
    );
    deleted('search_words', words, 'words of the name and emails that no other record has');
  }

  // 6. Access log: unsealed rows go; sealed rows are covered by a digest in the audit chain
  //    and keep only the random id, which after this erasure resolves to no one.
  deleted(
    'access_log',
    await count(
      tx,
      sql`with d as (delete from access_log where workspace_id = ${ws} and subject_kind = 'person' and subject_id = ${personId}
            and sealed_seq is null returning 1) select count(*)::int as n from d`,
    ),
    'reads of the record not yet sealed into the audit chain',
  );
  const sealed = await count(
    tx,
    sql`select count(*)::int as n from access_log where workspace_id = ${ws} and subject_kind = 'person' and subject_id = ${personId}`,
  );
  if (sealed > 0) {
    entries.push({
      table: 'access_log',
      action: 'kept',
      rows: sealed,
      note: 'sealed reads: who read the record and when, with only its random id (no name or contact data)',
    });
  }

  // 7. Audit entries about the person: their personal details (IP, user agent, email) are
  //    erased; the hashed content holds ids only, so the chain still verifies.
  const audited = await count(
    tx,
    sql`with d as (update ${auditEntries} set personal = null where workspace_id = ${ws} and target_type = 'person'
          and target_id = ${personId} and personal is not null returning 1) select count(*)::int as n from d`,
  );
  if (audited > 0) entries.push({ table: 'audit_entries', action: 'anonymised', rows: audited, fields: ['personal'] });

  // 8. The person: deleted, or an anonymised stub while a hold keeps records linked to them.
  let heldUntil: Date | null = null;
  if (holds.length === 0) {
    deleted(
      'people',
      await count(
        tx,
        sql`with d as (delete from people where workspace_id = ${ws} and person_id = ${personId} returning 1) select count(*)::int as n from d`,
      ),
    );
  } else {
    const onPerson = holds.find((h) => h.tableName === 'people');
    const clear = onPerson ? CLEARED_PERSON_FIELDS : [...CLEARED_PERSON_FIELDS, ...HELD_PERSON_FIELDS];
    await tx
      .update(people)
      .set({
        title: null,
        ownerId: null,
        photoFileId: null,
        updatedAt: now,
        deletedAt: null,
        ...(onPerson
          ? {}
          : {
              firstName: 'Erased person',
              lastName: '',
              street: null,
              state: null,
              postalCode: null,
              city: null,
              country: null,
            }),
      })
      .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
    entries.push({
      table: 'people',
      action: 'anonymised',
      rows: 1,
      fields: clear,
      ...(onPerson ? { hold: holdRef(onPerson) } : {}),
      note: onPerson
        ? `kept: ${HELD_PERSON_FIELDS.join(', ')} (what the held record names), until the hold ends`
        : 'kept as a stub named "Erased person" so the held records stay linked, until the holds end',
    });
    const open = holds.some((h) => h.until === null);
    heldUntil = open ? null : new Date(Math.max(...holds.map((h) => (h.until as Date).getTime())));
    for (const h of holds) {
      if (h.tableName === 'people') continue;
      entries.push({ table: h.tableName, action: 'kept', rows: 1, hold: holdRef(h), note: `record ${h.recordId}` });
    }
  }

  const base: Omit<TErasureCertificate, 'audit'> = {
    erasureId,
    workspaceId: ws,
    personId,
    requestId: opts.requestId ?? null,
    reason: opts.reason,
    erasedAt: now.toISOString(),
    state: holds.length ? 'held' : 'complete',
    heldUntil: heldUntil ? heldUntil.toISOString() : null,
    entries,
    tombstones: {
      emails: uniqueMarks.filter((m) => m.kind === 'email').length,
      phones: uniqueMarks.filter((m) => m.kind === 'phone').length,
    },
    filesDeleted: fileRows.length,
  };
  const digest = certificateDigest(base);
  const seq = await appendAudit(
    tx,
    ws,
    {
      actor: ctx.actor,
      action: 'person.erased',
      target: { type: 'person', id: personId },
      details: {
        erasureId,
        requestId: opts.requestId ?? null,
        state: base.state,
        certificateDigest: digest,
        tombstones: uniqueMarks.length,
      },
    },
    now,
  );
  const [entry] = await tx
    .select({ hash: auditEntries.hash })
    .from(auditEntries)
    .where(and(eq(auditEntries.workspaceId, ws), eq(auditEntries.seq, seq)));
  const certificate: TErasureCertificate = { ...base, audit: { seq, hash: entry?.hash ?? '' } };
  await tx.insert(erasures).values({
    workspaceId: ws,
    erasureId,
    personId,
    requestId: opts.requestId ?? null,
    reason: opts.reason,
    state: base.state,
    heldUntil,
    certificate,
    auditSeq: seq,
    erasedBy: ctx.actor.kind === 'user' ? (ctx.actor.id ?? null) : null,
    erasedAt: now,
  });
  if (ctx.ledger !== false) {
    // Subscribers learn to delete their copy: the id, the time and the request, nothing else.
    // Written after the data-map walk (which empties the person's earlier events) and in this
    // transaction, so it goes out only if the erasure commits. A replay after a restore sends
    // nothing: the subscribers were told when the erasure happened.
    await emitRecordEvent(tx, now, ws, 'person.erased', {
      id: personId,
      erasedAt: now.toISOString(),
      requestId: opts.requestId ?? null,
    });
    await countLedgerEvent(tx);
    appendLedger(ctx.services.config.dataDir, {
      type: 'erasure',
      workspaceId: ws,
      personId,
      erasureId,
      at: now.toISOString(),
      tombstones: uniqueMarks,
    });
  }
  // Last: the bytes. Should the transaction still fail after this, the rows stay and the
  // next erasure (or files.sweep for bytes without a row) completes it.
  for (const key of storageKeys) {
    try {
      await ctx.services.storage.delete(key);
    } catch {
      // files.sweep removes bytes no row refers to.
    }
  }
  return certificate;
}

/** The certificates of one person, newest first. */
export async function certificatesOf(tx: Tx, workspaceId: string, personId: string): Promise<TErasureCertificate[]> {
  const rows = await tx
    .select({ certificate: erasures.certificate })
    .from(erasures)
    .where(and(eq(erasures.workspaceId, workspaceId), eq(erasures.personId, personId)))
    .orderBy(desc(erasures.erasedAt))
    .limit(20);
  return rows.map((r) => r.certificate as TErasureCertificate);
}
