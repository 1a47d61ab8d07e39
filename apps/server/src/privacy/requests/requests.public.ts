import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import {
  PRIVACY_REQUEST_KINDS,
  type TPublicPrivacyInfo,
  type TPublicStartResult,
  type TPublicVerifyResult,
  type ZPublicStartBody,
} from '@tillit/contracts';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { personEmails, privacyRequestVerifications, workspaces } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Services } from '../../services.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { type Correction, checkCorrection, dueDateOf, insertRequest, readSettings } from './requests.service.ts';

/**
 * The public request page (no account). The person proves control of an address with a
 * 6-digit code (10 minutes, 5 tries, at most 3 codes an hour per address and 10 per IP
 * address); nothing about the address is looked up before the code is confirmed, so the
 * answers are the same whether anyone with it is known or not (no enumeration). Only then is
 * the request created and matched to every person with that address.
 */
export const CODE_MINUTES = 10;
export const MAX_ATTEMPTS = 5;
export const CODES_PER_EMAIL_PER_HOUR = 3;
export const CODES_PER_IP_PER_HOUR = 10;
const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

function hmac(services: Services, purpose: string, value: string): string {
  return createHmac('sha256', services.keys.derive(`privacy-requests-${purpose}`))
    .update(value)
    .digest('hex');
}

/** The workspace named in a public URL; an unknown id is a plain 404. */
async function workspaceTx<T>(services: Services, workspaceId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(services.database.db, { workspaceId }, async (tx) => {
    const [ws] = await tx
      .select({ id: workspaces.workspaceId })
      .from(workspaces)
      .where(eq(workspaces.workspaceId, workspaceId));
    if (!ws) throw notFound('The page');
    return fn(tx);
  });
}

export async function publicInfo(services: Services, workspaceId: string): Promise<TPublicPrivacyInfo> {
  return workspaceTx(services, workspaceId, async (tx) => {
    const s = await readSettings(tx, workspaceId);
    return {
      workspaceName: s.workspaceName,
      kinds: [...PRIVACY_REQUEST_KINDS],
      authority: { name: s.authorityName, url: s.authorityUrl },
      contactEmail: s.contactEmail,
      codeMinutes: CODE_MINUTES,
    };
  });
}

const tooMany = () =>
  new AppError('too_many_requests', 429, 'Too many codes were asked for. Wait an hour and try again.');

/** Sends a code to the address. The same answer for every address; throttled per address and per IP. */
export async function startPublicRequest(
  services: Services,
  workspaceId: string,
  body: z.output<typeof ZPublicStartBody>,
  client: { ip: string },
): Promise<TPublicStartResult> {
  const now = services.clock.now();
  const email = normaliseEmail(body.email);
  const ipHash = hmac(services, 'ip', client.ip);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const verificationId = newId(now.getTime());
  const expiresAt = new Date(now.getTime() + CODE_MINUTES * MINUTE);
  const workspaceName = await workspaceTx(services, workspaceId, async (tx) => {
    // Checked first, from the input alone (never from the address): 422 naming the field.
    const correction = await checkCorrection(tx, workspaceId, body.kind, body.correction);
    // Serialise the count-then-insert per address, so parallel requests cannot pass the limit.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tillit.privacy-code.${workspaceId}.${email}`}))`);
    const since = new Date(now.getTime() - HOUR);
    const [byEmail] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(privacyRequestVerifications)
      .where(
        and(
          eq(privacyRequestVerifications.workspaceId, workspaceId),
          eq(privacyRequestVerifications.email, email),
          gt(privacyRequestVerifications.createdAt, since),
        ),
      );
    const [byIp] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(privacyRequestVerifications)
      .where(
        and(
          eq(privacyRequestVerifications.workspaceId, workspaceId),
          eq(privacyRequestVerifications.ipHash, ipHash),
          gt(privacyRequestVerifications.createdAt, since),
        ),
      );
    if ((byEmail?.n ?? 0) >= CODES_PER_EMAIL_PER_HOUR || (byIp?.n ?? 0) >= CODES_PER_IP_PER_HOUR) throw tooMany();
    await tx.insert(privacyRequestVerifications).values({
      workspaceId,
      verificationId,
      email,
      ipHash,
      kind: body.kind,
      details: body.details,
      correction,
      codeHash: hmac(services, 'code', `${verificationId}:${code}`),
      createdAt: now,
      expiresAt,
    });
    const [ws] = await tx
      .select({ name: workspaces.name })
      .from(workspaces)
      .where(eq(workspaces.workspaceId, workspaceId));
    return ws?.name ?? '';
  });
  await services.mail.send({
    to: email,
    kind: 'privacy_request_code',
    workspaceId,
    subject: `Your code: ${code}`,
    text: `Your code to confirm your privacy request to ${workspaceName} is ${code}.\n\nIt expires in ${CODE_MINUTES} minutes. If you did not ask for it, ignore this message.`,
  });
  return {
    verificationId,
    expiresAt: expiresAt.toISOString(),
    message: 'If the address is valid, a 6-digit code is on its way. Enter it to confirm your request.',
  };
}

const wrongCode = () =>
  new AppError('invalid_code', 422, 'The code is wrong or has expired. Ask for a new code.', {
    code: 'is wrong or has expired',
  });

/** Confirms the code; then (and only then) creates the request and matches it to people. */
export async function verifyPublicRequest(
  services: Services,
  workspaceId: string,
  body: { verificationId: string; code: string },
  client: { ip: string; userAgent: string | null },
): Promise<TPublicVerifyResult> {
  const now = services.clock.now();
  const outcome = await workspaceTx(services, workspaceId, async (tx) => {
    const [v] = await tx
      .select()
      .from(privacyRequestVerifications)
      .where(
        and(
          eq(privacyRequestVerifications.workspaceId, workspaceId),
          eq(privacyRequestVerifications.verificationId, body.verificationId),
        ),
      )
      .for('update');
    if (!v || v.confirmedAt || v.expiresAt.getTime() <= now.getTime() || v.attempts >= MAX_ATTEMPTS) {
      return { ok: false as const };
    }
    const expected = Buffer.from(v.codeHash, 'hex');
    const given = Buffer.from(hmac(services, 'code', `${v.verificationId}:${body.code}`), 'hex');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      await tx
        .update(privacyRequestVerifications)
        .set({ attempts: v.attempts + 1 })
        .where(
          and(
            eq(privacyRequestVerifications.workspaceId, workspaceId),
            eq(privacyRequestVerifications.verificationId, v.verificationId),
          ),
        );
      return { ok: false as const };
    }
    // Verified: now the address may be looked up (index person_emails_email_idx).
    const matches = await tx
      .selectDistinct({ personId: personEmails.personId })
      .from(personEmails)
      .where(and(eq(personEmails.workspaceId, workspaceId), eq(personEmails.email, v.email)))
      .limit(100);
    const requestId = await insertRequest(
      tx,
      workspaceId,
      {
        kind: v.kind,
        channel: 'public',
        requesterEmail: v.email,
        details: v.details,
        correction: (v.correction as Correction | null) ?? null,
        personIds: matches.map((m) => m.personId),
        receivedAt: now,
        ownerId: null,
        createdBy: null,
      },
      { kind: 'anonymous', id: null },
      now,
      { ip: client.ip },
    );
    await tx
      .update(privacyRequestVerifications)
      .set({ confirmedAt: now, requestId })
      .where(
        and(
          eq(privacyRequestVerifications.workspaceId, workspaceId),
          eq(privacyRequestVerifications.verificationId, v.verificationId),
        ),
      );
    await appendAudit(
      tx,
      workspaceId,
      {
        actor: { kind: 'anonymous' },
        action: 'privacy_request.address_verified',
        target: { type: 'privacy_request', id: requestId },
        details: { kind: v.kind },
        personal: { ip: client.ip, userAgent: client.userAgent, email: v.email },
      },
      now,
    );
    return { ok: true as const, requestId, email: v.email };
  });
  if (!outcome.ok) throw wrongCode();
  const dueAt = dueDateOf(now).toISOString();
  await services.mail.send({
    to: outcome.email,
    kind: 'privacy_request_received',
    workspaceId,
    subject: 'We received your privacy request',
    text: `We received your request (reference ${outcome.requestId}). We will answer by ${dueAt.slice(0, 10)}.`,
  });
  return {
    reference: outcome.requestId,
    dueAt,
    message: 'Your request is received. We will answer by email within 30 days.',
  };
}

/** Codes are kept a day after they expire (for the throttle window and support), then purged. */
export async function purgeVerifications(tx: Tx, workspaceId: string, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - 24 * HOUR);
  const rows = await tx
    .delete(privacyRequestVerifications)
    .where(
      and(eq(privacyRequestVerifications.workspaceId, workspaceId), lt(privacyRequestVerifications.expiresAt, cutoff)),
    )
    .returning({ id: privacyRequestVerifications.verificationId });
  return rows.length;
}
