import { z } from 'zod';
import { ZObjection } from './privacy-purposes.ts';

export const CONSENT_METHODS = ['web_form', 'double_opt_in_email', 'import_with_proof', 'verbal', 'api'] as const;
export type TConsentMethod = (typeof CONSENT_METHODS)[number];
export const ZConsentMethod = z.enum(CONSENT_METHODS, { error: `must be one of ${CONSENT_METHODS.join(', ')}` });

export const CONSENT_STATES = ['given', 'withdrawn', 'expired'] as const;
export type TConsentState = (typeof CONSENT_STATES)[number];

/** One entry of the consent ledger (P-CK-2). */
export const ZConsentRecord = z.object({
  id: z.string(),
  personId: z.string(),
  purposeKey: z.string(),
  state: z.enum(CONSENT_STATES),
  method: ZConsentMethod,
  noticeVersion: z.number().int(),
  noticeTextHash: z.string(),
  recordedAt: z.string(),
  /** When a given consent lapses (the purpose's consent lifetime); null: until withdrawn. */
  expiresAt: z.string().nullable(),
  actor: z.object({ kind: z.string(), id: z.string().nullable() }),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  proof: z.string().nullable(),
  evidence: z.record(z.string(), z.unknown()),
});
export type TConsentRecord = z.infer<typeof ZConsentRecord>;

export const ZConsentHistory = z.object({ items: z.array(ZConsentRecord), nextCursor: z.string().nullable() });
export type TConsentHistory = z.infer<typeof ZConsentHistory>;

export const ZConsentHistoryQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
    after: z.string().max(200, { error: 'is not a cursor from this list' }).optional(),
  })
  .strict();

/** Staff record a consent given or withdrawn on a person's behalf. */
export const ZRecordConsentBody = z
  .object({
    purposeKey: z.string().min(1, { error: 'must name a purpose' }).max(60),
    state: z.enum(['given', 'withdrawn'], { error: 'must be given or withdrawn' }),
    method: ZConsentMethod,
    /** The notice version the person answered; the current one when left out. */
    noticeVersion: z.number().int().min(1).optional(),
    /** For import_with_proof: where the proof is (e.g. "signed form 2025-03, archive box 4"). */
    proof: z.string().max(2000, { error: 'must be at most 2000 characters' }).optional(),
    evidence: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type TRecordConsentBody = z.input<typeof ZRecordConsentBody>;

export const ZConsentAtQuery = z
  .object({ at: z.iso.datetime({ offset: true, error: 'must be an ISO date-time' }).optional() })
  .strict();

/** Per purpose, the state as of a time: the last record at or before it (null: never asked);
 *  a given consent whose expiry has passed reads `expired`. */
export const ZConsentStateItem = z.object({
  purposeKey: z.string(),
  state: z.enum(CONSENT_STATES).nullable(),
  recordId: z.string().nullable(),
  recordedAt: z.string().nullable(),
  noticeVersion: z.number().int().nullable(),
  expiresAt: z.string().nullable(),
});
export const ZConsentStateAt = z.object({ at: z.string(), items: z.array(ZConsentStateItem) });
export type TConsentStateAt = z.infer<typeof ZConsentStateAt>;

export const ZRestriction = z.object({
  id: z.string(),
  reason: z.string(),
  requestId: z.string().nullable(),
  restrictedAt: z.string(),
  restrictedBy: z.string().nullable(),
  liftedAt: z.string().nullable(),
  liftReason: z.string().nullable(),
});
export type TRestriction = z.infer<typeof ZRestriction>;

export const ZRestrictBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, { error: 'must say why (e.g. a correction is pending)' })
      .max(2000, { error: 'must be at most 2000 characters' }),
  })
  .strict();

/** Per purpose: may the person's data be processed for it now, and why not. */
export const ZPurposeVerdict = z.object({
  purposeKey: z.string(),
  name: z.string(),
  legalBasis: z.string(),
  allowed: z.boolean(),
  reason: z.string().nullable(),
});

/** The privacy panel of a person: legal bases, consents, restriction, objections. */
export const ZPersonPrivacy = z.object({
  personId: z.string(),
  restricted: z.boolean(),
  restriction: ZRestriction.nullable(),
  restrictions: z.array(ZRestriction),
  objections: z.array(ZObjection),
  consents: z.array(ZConsentStateItem),
  purposes: z.array(ZPurposeVerdict),
  noticeVersion: z.number().int(),
});
export type TPersonPrivacy = z.infer<typeof ZPersonPrivacy>;

/** Double opt-in: send a confirmation email with an expiring signed link. */
export const ZDoubleOptInBody = z
  .object({
    purposeKey: z.string().min(1).max(60),
    email: z.email({ error: 'must be an email address' }).optional(),
  })
  .strict();

export const ZConsentTokenBody = z
  .object({ token: z.string().min(10, { error: 'is not a link from an email' }).max(1000) })
  .strict();
export const ZConsentTokenResult = z.object({
  ok: z.literal(true),
  purposeKey: z.string(),
  state: z.enum(['given', 'withdrawn']),
  already: z.boolean(),
});
