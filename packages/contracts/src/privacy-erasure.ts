import { z } from 'zod';

/** Legal holds, erasure of a person and its certificate, tombstone lifts (P-DSR-3, P-RET-2). */

export const LEGAL_HOLD_REASONS = ['invoice_7y', 'open_contract', 'litigation', 'other'] as const;
export const ZLegalHoldReason = z.enum(LEGAL_HOLD_REASONS, {
  error: `must be one of ${LEGAL_HOLD_REASONS.join(', ')}`,
});

/** The tables a hold may name: the person's own record, or a record linked to them. */
export const HOLDABLE_TABLES = ['people', 'files', 'deals', 'notes', 'interactions', 'tasks'] as const;
export const ZHoldableTable = z.enum(HOLDABLE_TABLES, { error: `must be one of ${HOLDABLE_TABLES.join(', ')}` });

const ZUuid = z.uuid({ error: 'must be a UUID' });

export const ZLegalHold = z.object({
  id: z.string(),
  personId: z.string(),
  table: z.string(),
  recordId: z.string(),
  reason: z.string(),
  note: z.string().nullable(),
  until: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  releasedAt: z.string().nullable(),
  active: z.boolean(),
});
export type TLegalHold = z.infer<typeof ZLegalHold>;

export const ZCreateLegalHoldBody = z
  .object({
    personId: ZUuid,
    table: ZHoldableTable,
    /** Defaults to the person's id when the table is `people`. */
    recordId: ZUuid.optional(),
    reason: ZLegalHoldReason,
    note: z.string().trim().max(200, { error: 'must be at most 200 characters' }).nullish(),
    /** ISO date-time; omitted or null = open-ended (until released). */
    until: z.iso.datetime({ offset: true, error: 'must be an ISO date-time' }).nullish(),
  })
  .strict();
export type TCreateLegalHoldBody = z.input<typeof ZCreateLegalHoldBody>;

export const ZLegalHoldList = z.object({ items: z.array(ZLegalHold), nextCursor: z.string().nullable() });
export type TLegalHoldList = z.infer<typeof ZLegalHoldList>;

export const ZLegalHoldListQuery = z
  .object({
    personId: ZUuid.optional(),
    active: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
    after: z.string().max(200, { error: 'is not a cursor from this list' }).optional(),
  })
  .strict();
export type TLegalHoldListQuery = z.input<typeof ZLegalHoldListQuery>;

export const ZLegalHoldParams = z.object({ id: ZUuid }).strict();

/** How erasure treated a table: rows deleted, rows anonymised (fields named), or kept
 *  unchanged under a hold. */
export const ZCertificateEntry = z.object({
  table: z.string(),
  action: z.enum(['deleted', 'anonymised', 'kept']),
  rows: z.number(),
  fields: z.array(z.string()).optional(),
  hold: z.object({ id: z.string(), reason: z.string(), until: z.string().nullable() }).optional(),
  note: z.string().optional(),
});
export type TCertificateEntry = z.infer<typeof ZCertificateEntry>;

export const ZErasureCertificate = z.object({
  erasureId: z.string(),
  workspaceId: z.string(),
  /** The person's random id: a reference, never their data. */
  personId: z.string(),
  requestId: z.string().nullable(),
  reason: z.string(),
  erasedAt: z.string(),
  state: z.enum(['complete', 'held']),
  heldUntil: z.string().nullable(),
  entries: z.array(ZCertificateEntry),
  tombstones: z.object({ emails: z.number(), phones: z.number() }),
  filesDeleted: z.number(),
  /** The audit chain entry that records (and so signs) this certificate. */
  audit: z.object({ seq: z.number(), hash: z.string() }).nullable(),
});
export type TErasureCertificate = z.infer<typeof ZErasureCertificate>;

export const ZErasePersonBody = z
  .object({
    reason: z.string().trim().min(1, { error: 'is required' }).max(500, { error: 'must be at most 500 characters' }),
    requestId: z.string().trim().max(100, { error: 'must be at most 100 characters' }).optional(),
    /** Typed by the admin to confirm: must be ERASE. */
    confirm: z.literal('ERASE', { error: 'type ERASE to confirm' }),
  })
  .strict();
export type TErasePersonBody = z.input<typeof ZErasePersonBody>;

export const ZErasureList = z.object({ items: z.array(ZErasureCertificate) });
export type TErasureList = z.infer<typeof ZErasureList>;

export const ZLiftTombstoneBody = z
  .object({
    kind: z.enum(['email', 'phone'], { error: 'must be email or phone' }),
    value: z.string().trim().min(1, { error: 'is required' }).max(320, { error: 'is too long' }),
    consentId: z.string().trim().max(100).optional(),
    evidence: z.string().trim().max(1000, { error: 'must be at most 1000 characters' }).optional(),
  })
  .strict()
  .refine((b) => Boolean(b.consentId || b.evidence), {
    error: 'name the consent record or describe the evidence',
    path: ['evidence'],
  });
export type TLiftTombstoneBody = z.input<typeof ZLiftTombstoneBody>;
