import { createHmac } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { tombstones, workspaces } from '../../db/schema/index.ts';
import { AppError, notFound, validationFailed } from '../../lib/errors.ts';
import type { KeyRing } from '../../lib/keys.ts';
import { normalisePhone } from '../../modules/people/people.phone.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { appendLedger, countLedgerEvent } from '../backup/erasure-ledger.ts';

/**
 * Tombstones (P-DSR-3): `HMAC-SHA256(per-workspace key, normalised identifier)`. The key is
 * derived from the key ring per workspace, so the same email gives unrelated hashes in two
 * workspaces, and a stolen table cannot be matched against a list of addresses without the
 * key. Emails are trimmed and lower-cased (no provider tricks); phones go to E.164 with the
 * workspace's country.
 */
export type TombstoneKind = 'email' | 'phone';
export type TombstoneContext = { keys: KeyRing; workspaceId: string };
export type Identifiers = { emails?: readonly string[]; phones?: readonly string[] };

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** E.164, or null for a value that is not a phone number (nothing to compare it with). */
export function normalisePhoneFor(phone: string, country: string): string | null {
  const r = normalisePhone(phone, country);
  return r.ok ? r.e164 : null;
}

/** The derived key per key ring and workspace: HKDF is costly next to one HMAC, and an
 *  import batch hashes thousands of identifiers. */
const derivedKeys = new WeakMap<KeyRing, Map<string, Buffer>>();

function tombstoneKey(keys: KeyRing, workspaceId: string): Buffer {
  let byWorkspace = derivedKeys.get(keys);
  if (!byWorkspace) {
    byWorkspace = new Map();
    derivedKeys.set(keys, byWorkspace);
  }
  let key = byWorkspace.get(workspaceId);
  if (!key) {
    key = keys.derive(`tombstone:${workspaceId}`);
    byWorkspace.set(workspaceId, key);
  }
  return key;
}

export function tombstoneHash(keys: KeyRing, workspaceId: string, kind: TombstoneKind, normalised: string): string {
  const key = tombstoneKey(keys, workspaceId);
  // The kind is part of the message, so an email and a phone can never collide.
  return createHmac('sha256', key).update(`${kind}:${normalised}`).digest('hex');
}

async function workspaceCountry(tx: Tx, workspaceId: string): Promise<string> {
  const [w] = await tx
    .select({ country: workspaces.country })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, workspaceId));
  return w?.country ?? 'NO';
}

type Hashed = { kind: TombstoneKind; index: number; hash: string };

async function hashAll(tx: Tx, ctx: TombstoneContext, ids: Identifiers): Promise<Hashed[]> {
  const out: Hashed[] = [];
  (ids.emails ?? []).forEach((e, index) => {
    const n = normaliseEmail(e);
    if (n) out.push({ kind: 'email', index, hash: tombstoneHash(ctx.keys, ctx.workspaceId, 'email', n) });
  });
  if (ids.phones?.length) {
    const country = await workspaceCountry(tx, ctx.workspaceId);
    ids.phones.forEach((p, index) => {
      const n = normalisePhoneFor(p, country);
      if (n) out.push({ kind: 'phone', index, hash: tombstoneHash(ctx.keys, ctx.workspaceId, 'phone', n) });
    });
  }
  return out;
}

/** The hashes among `hashes` that are tombstoned and not lifted: one index probe (PK). */
async function armedHashes(tx: Tx, workspaceId: string, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await tx
    .select({ hash: tombstones.hash })
    .from(tombstones)
    .where(
      and(
        eq(tombstones.workspaceId, workspaceId),
        sql`${tombstones.hash} = any(${sql.param(hashes)}::text[])`,
        isNull(tombstones.liftedAt),
      ),
    );
  return new Set(rows.map((r) => r.hash));
}

/**
 * Set-based, for batches (imports, syncs): which of these identifiers belong to an erased
 * person. Answers positions into the given lists.
 */
export async function tombstonedIdentifiers(
  tx: Tx,
  ctx: TombstoneContext,
  ids: Identifiers,
): Promise<{ emails: number[]; phones: number[] }> {
  const hashed = await hashAll(tx, ctx, ids);
  const armed = await armedHashes(
    tx,
    ctx.workspaceId,
    hashed.map((h) => h.hash),
  );
  const hit = hashed.filter((h) => armed.has(h.hash));
  return {
    emails: [...new Set(hit.filter((h) => h.kind === 'email').map((h) => h.index))].sort((a, b) => a - b),
    phones: [...new Set(hit.filter((h) => h.kind === 'phone').map((h) => h.index))].sort((a, b) => a - b),
  };
}

export const ERASED_MESSAGE = 'this person asked to be erased';

/**
 * Refuses (409 `erased_person`, naming each field, e.g. `emails.0.value`) identifiers of
 * a person who was erased, unless a new consent lifted the tombstone. `fieldOf` maps a
 * position to the caller's field name.
 */
export async function assertNoTombstone(
  tx: Tx,
  ctx: TombstoneContext,
  ids: Identifiers,
  fieldOf: { email: (i: number) => string; phone: (i: number) => string } = {
    email: (i) => `emails.${i}.value`,
    phone: (i) => `phones.${i}.value`,
  },
): Promise<void> {
  const hit = await tombstonedIdentifiers(tx, ctx, ids);
  if (hit.emails.length === 0 && hit.phones.length === 0) return;
  const fields: Record<string, string> = {};
  for (const i of hit.emails)
    fields[fieldOf.email(i)] = `${ERASED_MESSAGE}; it can be added again only with a new consent`;
  for (const i of hit.phones)
    fields[fieldOf.phone(i)] = `${ERASED_MESSAGE}; it can be added again only with a new consent`;
  throw new AppError(
    'erased_person',
    409,
    'This email or phone belongs to a person who asked to be erased. Record a new consent to add it again.',
    fields,
  );
}

/** Writes (or re-arms) tombstones; answers how many of each kind. */
export async function writeTombstones(
  tx: Tx,
  ctx: TombstoneContext,
  list: { kind: TombstoneKind; hash: string }[],
  erasureId: string,
  now: Date,
): Promise<void> {
  if (list.length === 0) return;
  const unique = [...new Map(list.map((t) => [t.hash, t])).values()];
  await tx
    .insert(tombstones)
    .values(
      unique.map((t) => ({ workspaceId: ctx.workspaceId, hash: t.hash, kind: t.kind, erasureId, createdAt: now })),
    )
    .onConflictDoUpdate({
      target: [tombstones.workspaceId, tombstones.hash],
      set: { liftedAt: null, liftedBy: null, liftConsentId: null, liftEvidence: null, erasureId },
    });
}

export type LiftProof = { consentId?: string | null; evidence?: string | null };

/**
 * A new recorded consent lifts a tombstone (P-DSR-3): the identifier may come back. The
 * proof is a consent record id of the consent ledger (a given consent, e.g. recorded on the
 * person's new record before the erased email is added to it) or, when the consent is not in
 * the ledger yet, a description of the evidence. Audited; written to the
 * erasure ledger so that a restore replays the lift after the erasure.
 */
export async function liftTombstone(
  tx: Tx,
  ctx: TombstoneContext & { actor: { kind: 'user' | 'system'; id: string | null }; now: Date; dataDir: string },
  identifier: { kind: TombstoneKind; value: string },
  proof: LiftProof,
): Promise<{ hash: string; kind: TombstoneKind }> {
  if (!proof.consentId && !proof.evidence) {
    throw validationFailed({ evidence: 'name the consent record or describe the evidence' });
  }
  if (proof.consentId) {
    // The new consent must be in the consent ledger (privacy/consent): given, in this workspace.
    const found = await tx.execute(sql`select 1 from consent_records where workspace_id = ${ctx.workspaceId}
      and record_id::text = ${proof.consentId} and state = 'given'`);
    if ((found as unknown as { rows: unknown[] }).rows.length === 0) {
      throw validationFailed({ consentId: 'is not a given consent recorded in this workspace' });
    }
  }
  let normalised: string | null;
  if (identifier.kind === 'email') normalised = normaliseEmail(identifier.value) || null;
  else normalised = normalisePhoneFor(identifier.value, await workspaceCountry(tx, ctx.workspaceId));
  if (!normalised) throw validationFailed({ value: `is not a valid ${identifier.kind}` });
  const hash = tombstoneHash(ctx.keys, ctx.workspaceId, identifier.kind, normalised);
  const [row] = await tx
    .update(tombstones)
    .set({
      liftedAt: ctx.now,
      liftedBy: ctx.actor.id,
      liftConsentId: proof.consentId ?? null,
      liftEvidence: proof.evidence ?? null,
    })
    .where(and(eq(tombstones.workspaceId, ctx.workspaceId), eq(tombstones.hash, hash), isNull(tombstones.liftedAt)))
    .returning({ hash: tombstones.hash });
  if (!row) throw notFound('An erasure of this identifier');
  await appendAudit(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.actor,
      action: 'tombstone.lifted',
      target: { type: 'tombstone', id: hash.slice(0, 16) },
      details: { kind: identifier.kind, hash, consentId: proof.consentId ?? null, evidence: Boolean(proof.evidence) },
    },
    ctx.now,
  );
  await countLedgerEvent(tx);
  appendLedger(ctx.dataDir, { type: 'lift', workspaceId: ctx.workspaceId, hash, at: ctx.now.toISOString() });
  return { hash, kind: identifier.kind };
}

/**
 * For an update: refuses only the identifiers the person does not have yet (an email the
 * person already had stays, even if another, erased person had it too).
 */
export async function assertNoTombstoneAdded(
  tx: Tx,
  ctx: TombstoneContext,
  personId: string,
  ids: Identifiers,
): Promise<void> {
  if (!ids.emails?.length && !ids.phones?.length) return;
  const have = rowsOfIds(
    await tx.execute(sql`
      select email as v from person_emails where workspace_id = ${ctx.workspaceId} and person_id = ${personId}
      union all select phone from person_phones where workspace_id = ${ctx.workspaceId} and person_id = ${personId}`),
  );
  // Blanks keep the positions (so the error names the right field) and are never hashed.
  await assertNoTombstone(tx, ctx, {
    emails: (ids.emails ?? []).map((e) => (have.has(normaliseEmail(e)) ? '' : e)),
    phones: (ids.phones ?? []).map((p) => (have.has(p) ? '' : p)),
  });
}

function rowsOfIds(r: unknown): Set<string> {
  return new Set((r as { rows: { v: string }[] }).rows.map((x) => x.v));
}

export type TombstonedIdentifier = { field: 'email' | 'phone'; value: string };

/**
 * For an import batch (CSV, vCard): one set-based look-up for every email and phone of the
 * batch. Answers, per row number, the identifiers of that row that belong to an erased
 * person (values as the row gives them). The import decides per row what that means: a row
 * is refused when it would write one of them onto a person who does not already have it
 * (`tombstoneRefusal`); see decision 0006.
 */
export async function tombstonedRowIdentifiers<
  C extends { row: number; person: { emails: { value: string }[]; phones: { value: string }[] } },
>(tx: Tx, ctx: TombstoneContext, candidates: readonly C[]): Promise<Map<number, TombstonedIdentifier[]>> {
  const emails: { row: number; value: string }[] = [];
  const phones: { row: number; value: string }[] = [];
  for (const c of candidates) {
    for (const e of c.person.emails) emails.push({ row: c.row, value: e.value });
    for (const p of c.person.phones) phones.push({ row: c.row, value: p.value });
  }
  const out = new Map<number, TombstonedIdentifier[]>();
  if (emails.length === 0 && phones.length === 0) return out;
  const hit = await tombstonedIdentifiers(tx, ctx, {
    emails: emails.map((e) => e.value),
    phones: phones.map((p) => p.value),
  });
  const add = (at: { row: number; value: string } | undefined, field: 'email' | 'phone') => {
    if (!at) return;
    const list = out.get(at.row) ?? [];
    list.push({ field, value: at.value });
    out.set(at.row, list);
  };
  for (const i of hit.emails) add(emails[i], 'email');
  for (const i of hit.phones) add(phones[i], 'phone');
  return out;
}

/** The import's error-report lines for a row refused because of these identifiers. */
export function tombstoneRefusal(list: readonly TombstonedIdentifier[]): { field: string; problem: string }[] {
  return list.map((t) => ({
    field: t.field,
    problem: `${ERASED_MESSAGE}; import them again only after a new consent`,
  }));
}
