import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { consentConfirmations, personEmails } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { AppError, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { KeyRing } from '../../lib/keys.ts';
import type { OutgoingMail } from '../../mail/mail.transport.ts';
import type { Services } from '../../services.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { getPurpose } from '../purposes/purposes.service.ts';
import { currentNotice } from '../register/notice.service.ts';
import { currentConsent, recordConsent } from './consent.service.ts';

// Double opt-in (a confirmation email with an expiring signed link) and the withdrawal
// link carried by every consent email (P-DSR-6). Both links open a page whose button
// POSTs the token: mail scanners follow GET links, so a GET never changes a consent.
// The token names its workspace, so the public endpoint needs no global lookup; it is
// signed with a key derived for this use only.

export const CONFIRMATION_TTL_MS = 7 * DAY_MS;
/** Withdrawal links stay valid for years: a person must be able to withdraw at any time. */
export const WITHDRAWAL_TTL_MS = 5 * 365 * DAY_MS;

const ZPayload = z.object({
  a: z.enum(['confirm', 'withdraw']),
  w: z.uuid(),
  p: z.uuid(),
  k: z.string().min(1).max(60),
  c: z.uuid().optional(),
  e: z.number().int(),
});
export type ConsentLinkPayload = z.infer<typeof ZPayload>;

const keyOf = (keys: KeyRing) => keys.derive('privacy.consent-links');

export function signConsentToken(keys: KeyRing, payload: ConsentLinkPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', keyOf(keys)).update(body).digest('base64url');
  return `${body}.${mac}`;
}

const invalidLink = () =>
  new AppError('invalid_link', 400, 'This link is not valid. Ask the sender for a new one.', { token: 'is not valid' });

export function verifyConsentToken(keys: KeyRing, token: string, now: Date): ConsentLinkPayload {
  const [body, mac] = token.split('.');
  if (!body || !mac) throw invalidLink();
  const expected = Buffer.from(createHmac('sha256', keyOf(keys)).update(body).digest('base64url'));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidLink();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidLink();
  }
  const payload = ZPayload.safeParse(parsed);
  if (!payload.success) throw invalidLink();
  if (payload.data.e < now.getTime()) {
    throw new AppError('link_expired', 410, 'This link has expired. Ask the sender for a new one.', {
      token: 'has expired',
    });
  }
  return payload.data;
}

export function withdrawalLink(
  services: Pick<Services, 'keys' | 'config'>,
  p: { workspaceId: string; personId: string; purposeKey: string },
  now: Date,
) {
  const token = signConsentToken(services.keys, {
    a: 'withdraw',
    w: p.workspaceId,
    p: p.personId,
    k: p.purposeKey,
    e: now.getTime() + WITHDRAWAL_TTL_MS,
  });
  return `${services.config.publicUrl}/consent/withdraw?token=${encodeURIComponent(token)}`;
}

async function primaryEmail(tx: Tx, workspaceId: string, personId: string): Promise<string | null> {
  const [row] = await tx
    .select({ email: personEmails.email })
    .from(personEmails)
    .where(and(eq(personEmails.workspaceId, workspaceId), eq(personEmails.personId, personId)))
    .orderBy(sql`${personEmails.isPrimary} desc`, personEmails.position)
    .limit(1);
  return row?.email ?? null;
}

/**
 * Writes a pending confirmation and returns the email to send once the transaction
 * commits (the caller sends it). The address is the person's primary email unless given.
 */
export async function startDoubleOptIn(
  tx: Tx,
  ctx: PrivacyCtx,
  services: Pick<Services, 'keys' | 'config'>,
  input: { personId: string; purposeKey: string; email?: string | null; workspaceName: string },
): Promise<{ confirmationId: string; mail: OutgoingMail }> {
  const purpose = await getPurpose(tx, ctx.workspaceId, input.purposeKey);
  if (purpose.legalBasis !== 'consent') {
    throw validationFailed({ purposeKey: `${purpose.key} does not rest on consent` });
  }
  const email = input.email ?? (await primaryEmail(tx, ctx.workspaceId, input.personId));
  if (!email) throw validationFailed({ email: 'is required: the person has no email address' });
  const notice = await currentNotice(tx, ctx.workspaceId, ctx.now);
  const confirmationId = newId(ctx.now.getTime());
  const expiresAt = new Date(ctx.now.getTime() + CONFIRMATION_TTL_MS);
  await tx.insert(consentConfirmations).values({
    workspaceId: ctx.workspaceId,
    confirmationId,
    personId: input.personId,
    purposeKey: purpose.key,
    email,
    noticeVersion: notice.version,
    createdAt: ctx.now,
    expiresAt,
  });
  const token = signConsentToken(services.keys, {
    a: 'confirm',
    w: ctx.workspaceId,
    p: input.personId,
    k: purpose.key,
    c: confirmationId,
    e: expiresAt.getTime(),
  });
  const confirm = `${services.config.publicUrl}/consent/confirm?token=${encodeURIComponent(token)}`;
  const withdraw = withdrawalLink(
    services,
    { workspaceId: ctx.workspaceId, personId: input.personId, purposeKey: purpose.key },
    ctx.now,
  );
  const text = [
    `${input.workspaceName} asks you to confirm: ${purpose.name}.`,
    purpose.description,
    '',
    `Confirm (the link is valid for 7 days): ${confirm}`,
    '',
    `You can withdraw your consent at any time: ${withdraw}`,
    `Privacy notice (version ${notice.version}): ${services.config.publicUrl}/privacy/${ctx.workspaceId}/notice`,
  ].join('\n');
  return {
    confirmationId,
    mail: {
      to: email,
      subject: `Please confirm: ${purpose.name}`,
      text,
      kind: 'consent_confirmation',
      workspaceId: ctx.workspaceId,
    },
  };
}

export type LinkResult = { purposeKey: string; state: 'given' | 'withdrawn'; already: boolean };

/** The public confirmation: idempotent (a second use answers `already`). */
export async function confirmByToken(
  services: Services,
  token: string,
  channel: { ip?: string | null; userAgent?: string | null },
): Promise<LinkResult> {
  const now = services.clock.now();
  const payload = verifyConsentToken(services.keys, token, now);
  if (payload.a !== 'confirm' || !payload.c) throw invalidLink();
  const confirmationId = payload.c;
  return withTenant(services.database.db, { workspaceId: payload.w }, async (tx) => {
    const [row] = await tx
      .select()
      .from(consentConfirmations)
      .where(
        and(eq(consentConfirmations.workspaceId, payload.w), eq(consentConfirmations.confirmationId, confirmationId)),
      )
      .for('update');
    if (!row || row.personId !== payload.p) throw invalidLink();
    if (row.confirmedAt) return { purposeKey: row.purposeKey, state: 'given', already: true };
    const ctx: PrivacyCtx = { workspaceId: payload.w, actor: { kind: 'anonymous' }, now };
    const record = await recordConsent(tx, ctx, {
      personId: row.personId,
      purpose: row.purposeKey,
      state: 'given',
      method: 'double_opt_in_email',
      noticeVersion: row.noticeVersion,
      ip: channel.ip ?? null,
      userAgent: channel.userAgent ?? null,
      evidence: { confirmationId, email: row.email, sentAt: row.createdAt.toISOString() },
      actorKind: 'person',
    });
    await tx
      .update(consentConfirmations)
      .set({ confirmedAt: now, recordId: record.recordId })
      .where(
        and(eq(consentConfirmations.workspaceId, payload.w), eq(consentConfirmations.confirmationId, confirmationId)),
      );
    return { purposeKey: row.purposeKey, state: 'given', already: false };
  });
}

/** The public withdrawal: no login; idempotent (already withdrawn → `already`). */
export async function withdrawByToken(
  services: Services,
  token: string,
  channel: { ip?: string | null; userAgent?: string | null },
): Promise<LinkResult> {
  const now = services.clock.now();
  const payload = verifyConsentToken(services.keys, token, now);
  if (payload.a !== 'withdraw') throw invalidLink();
  return withTenant(services.database.db, { workspaceId: payload.w }, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tillit.consent.${payload.w}.${payload.p}`}))`);
    const current = await currentConsent(tx, payload.w, payload.p, payload.k, now);
    if (current?.state !== 'given') return { purposeKey: payload.k, state: 'withdrawn', already: true };
    const ctx: PrivacyCtx = { workspaceId: payload.w, actor: { kind: 'anonymous' }, now };
    await recordConsent(tx, ctx, {
      personId: payload.p,
      purpose: payload.k,
      state: 'withdrawn',
      method: 'web_form',
      ip: channel.ip ?? null,
      userAgent: channel.userAgent ?? null,
      evidence: { via: 'withdrawal link' },
      actorKind: 'person',
    });
    return { purposeKey: payload.k, state: 'withdrawn', already: false };
  });
}
