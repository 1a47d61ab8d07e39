// Requests from the people in the data (P-DSR-1, P-DSR-2, P-DSR-4, P-DSR-8 and the workflow
// of every kind). Shared by server and web. Input objects refuse unknown keys.
import { z } from 'zod';
import { ZUpdatePersonBody } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });

export const PRIVACY_REQUEST_KINDS = [
  'access',
  'portability',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'objection_automated',
  'withdrawal',
] as const;
export const ZPrivacyRequestKind = z.enum(PRIVACY_REQUEST_KINDS, {
  error: `must be one of ${PRIVACY_REQUEST_KINDS.join(', ')}`,
});
export type TPrivacyRequestKind = z.infer<typeof ZPrivacyRequestKind>;

export const PRIVACY_REQUEST_STATUSES = [
  'received',
  'verifying',
  'in_progress',
  'extended',
  'fulfilled',
  'refused',
] as const;
export const ZPrivacyRequestStatus = z.enum(PRIVACY_REQUEST_STATUSES, {
  error: `must be one of ${PRIVACY_REQUEST_STATUSES.join(', ')}`,
});
export type TPrivacyRequestStatus = z.infer<typeof ZPrivacyRequestStatus>;

/** Statuses a member may set by hand; fulfilled and refused come from their own actions. */
export const ZPrivacyRequestOpenStatus = z.enum(['received', 'verifying', 'in_progress'], {
  error: 'must be one of received, verifying, in_progress',
});

/**
 * Rectification: the corrected values, as fields of the people update contract (names, title,
 * emails, phones, address; a list given replaces the person's list, an address only the parts
 * given). Errors name the field under `correction.` (e.g. `correction.emails.0.value`).
 */
export const ZRectificationCorrection = ZUpdatePersonBody.pick({
  firstName: true,
  lastName: true,
  title: true,
  emails: true,
  phones: true,
  address: true,
})
  .strict()
  .refine((c) => Object.values(c).some((v) => v !== undefined), { error: 'must name at least one field to correct' });
export type TRectificationCorrection = z.input<typeof ZRectificationCorrection>;

/** The correction as a request shows it (phones already in E.164). */
export const ZRectificationCorrectionView = z.object({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  title: z.string().nullable().optional(),
  emails: z.array(z.object({ value: z.string(), type: z.string(), primary: z.boolean() })).optional(),
  phones: z.array(z.object({ value: z.string(), type: z.string(), primary: z.boolean() })).optional(),
  address: z.record(z.string(), z.string().nullable()).optional(),
});
export type TRectificationCorrectionView = z.infer<typeof ZRectificationCorrectionView>;

export const ZPrivacyRequestStep = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actor: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  action: z.string(),
  note: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type TPrivacyRequestStep = z.infer<typeof ZPrivacyRequestStep>;

export const ZPrivacyPackage = z.object({
  id: z.string(),
  state: z.enum(['pending', 'running', 'ready', 'failed']),
  createdAt: z.string(),
  readyAt: z.string().nullable(),
  expiresAt: z.string(),
  sizeBytes: z.number().nullable(),
  downloads: z.number(),
  parts: z.array(z.string()),
  expired: z.boolean(),
});
export type TPrivacyPackage = z.infer<typeof ZPrivacyPackage>;

export const ZPrivacyRequest = z.object({
  id: z.string(),
  kind: ZPrivacyRequestKind,
  status: ZPrivacyRequestStatus,
  channel: z.enum(['staff', 'public']),
  requesterEmail: z.string().nullable(),
  details: z.string(),
  /** Rectification: the proposed correction (applied on fulfilment), or null. */
  correction: ZRectificationCorrectionView.nullable(),
  /** The people it was matched to (only those the caller can see). */
  people: z.array(z.object({ id: z.string(), name: z.string() })),
  /** How many people it is matched to in all (a member may see fewer). */
  matchedCount: z.number(),
  ownerId: z.string().nullable(),
  receivedAt: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  extendedAt: z.string().nullable(),
  extensionReason: z.string().nullable(),
  /** A second access request within 12 months for the same person (P-DSR-1: free once a year). */
  repeatExtract: z.boolean(),
  refusalReason: z.string().nullable(),
  closedAt: z.string().nullable(),
  outcome: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
});
export type TPrivacyRequest = z.infer<typeof ZPrivacyRequest>;

export const ZPrivacyRequestDetail = ZPrivacyRequest.extend({
  steps: z.array(ZPrivacyRequestStep),
  packages: z.array(ZPrivacyPackage),
});
export type TPrivacyRequestDetail = z.infer<typeof ZPrivacyRequestDetail>;

export const ZPrivacyRequestList = z.object({ items: z.array(ZPrivacyRequest), nextCursor: z.string().nullable() });
export type TPrivacyRequestList = z.infer<typeof ZPrivacyRequestList>;

export const ZPrivacyRequestListQuery = z
  .object({
    status: z
      .enum([...PRIVACY_REQUEST_STATUSES, 'open'], {
        error: `must be one of open, ${PRIVACY_REQUEST_STATUSES.join(', ')}`,
      })
      .optional(),
    kind: ZPrivacyRequestKind.optional(),
    overdue: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
    personId: ZId.optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
    after: z.string().max(300, { error: 'is not a cursor from this list' }).optional(),
  })
  .strict();
export type TPrivacyRequestListQuery = z.input<typeof ZPrivacyRequestListQuery>;

/** Staff record a request on a person (member or higher, on a person they can see). */
export const ZCreatePrivacyRequestBody = z
  .object({
    personId: ZId,
    kind: ZPrivacyRequestKind,
    details: text(5000).default(''),
    requesterEmail: z
      .string({ error: 'must be an email address' })
      .trim()
      .max(320, { error: 'must be at most 320 characters' })
      .pipe(z.email({ error: 'must be an email address' }))
      .nullish(),
    /** Defaults to now; a request received by letter last week is recorded with that date. */
    receivedAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
    ownerId: ZId.nullish(),
    /** Rectification only: the corrected values. */
    correction: ZRectificationCorrection.optional(),
  })
  .strict();
export type TCreatePrivacyRequestBody = z.input<typeof ZCreatePrivacyRequestBody>;

export const ZUpdatePrivacyRequestBody = z
  .object({
    status: ZPrivacyRequestOpenStatus.optional(),
    ownerId: ZId.nullable().optional(),
    /** Match the request to a person (a public request from an address nobody had). */
    addPersonId: ZId.optional(),
    /** Rectification only: replace the proposed correction (null clears it). */
    correction: ZRectificationCorrection.nullable().optional(),
  })
  .strict();
export type TUpdatePrivacyRequestBody = z.input<typeof ZUpdatePrivacyRequestBody>;

export const ZPrivacyRequestNoteBody = z.object({ note: text(5000, 1) }).strict();

/** GDPR art. 12(3): once, by up to two more months, with the reason, within the first month. */
export const ZExtendPrivacyRequestBody = z
  .object({
    months: z.union([z.literal(1), z.literal(2)], { error: 'must be 1 or 2' }),
    reason: text(2000, 1),
  })
  .strict();

export const ZRefusePrivacyRequestBody = z.object({ reason: text(2000, 1) }).strict();

/** What fulfilment needs beyond the request: the purpose of an objection or a withdrawal. */
export const ZFulfilPrivacyRequestBody = z
  .object({
    purposeKey: z.string().trim().min(1, { error: 'must name a purpose' }).max(60).optional(),
    note: text(5000).optional(),
    /** Erasure only: typed by the admin to confirm, must be ERASE. */
    confirm: z.literal('ERASE', { error: 'type ERASE to confirm' }).optional(),
  })
  .strict();

export const ZFulfilPrivacyRequestResult = z.object({
  request: ZPrivacyRequestDetail,
  /** Access and portability: the link to the package, shown once (also emailed to the person). */
  downloadUrl: z.string().nullable(),
});
export type TFulfilPrivacyRequestResult = z.infer<typeof ZFulfilPrivacyRequestResult>;

export const ZPrivacyRequestParams = z.object({ id: ZId }).strict();

/** The complaint authority and privacy contact of a workspace (P-DSR-8). */
export const ZPrivacyRequestSettings = z.object({
  authorityName: z.string(),
  authorityUrl: z.string(),
  contactEmail: z.string().nullable(),
  /** True while the workspace has not chosen its own (the default from its country is shown). */
  isDefault: z.boolean(),
  publicPath: z.string(),
});
export type TPrivacyRequestSettings = z.infer<typeof ZPrivacyRequestSettings>;

export const ZUpdatePrivacyRequestSettingsBody = z
  .object({
    authorityName: text(200, 1).nullable(),
    authorityUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(500, { error: 'must be at most 500 characters' })
      .nullable(),
    contactEmail: z.email({ error: 'must be an email address' }).max(320).nullable().optional(),
  })
  .strict();

// The public page (no account).

export const ZPublicPrivacyParams = z.object({ workspace: ZId }).strict();

export const ZPublicPrivacyInfo = z.object({
  workspaceName: z.string(),
  kinds: z.array(ZPrivacyRequestKind),
  authority: z.object({ name: z.string(), url: z.string() }),
  contactEmail: z.string().nullable(),
  codeMinutes: z.number(),
});
export type TPublicPrivacyInfo = z.infer<typeof ZPublicPrivacyInfo>;

export const ZPublicStartBody = z
  .object({
    email: z
      .string({ error: 'must be an email address' })
      .trim()
      .max(320, { error: 'must be at most 320 characters' })
      .pipe(z.email({ error: 'must be an email address' })),
    kind: ZPrivacyRequestKind,
    details: text(5000).default(''),
    /** Rectification only: the corrected values, beside or instead of the free text. */
    correction: ZRectificationCorrection.optional(),
  })
  .strict();
export type TPublicStartBody = z.input<typeof ZPublicStartBody>;

/** The same answer whether the address is known or not. */
export const ZPublicStartResult = z.object({ verificationId: z.string(), expiresAt: z.string(), message: z.string() });
export type TPublicStartResult = z.infer<typeof ZPublicStartResult>;

export const ZPublicVerifyBody = z
  .object({
    verificationId: ZId,
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, { error: 'must be the 6-digit code from the email' }),
  })
  .strict();
export type TPublicVerifyBody = z.input<typeof ZPublicVerifyBody>;

/** The same answer whether anyone with the address was found or not. */
export const ZPublicVerifyResult = z.object({ reference: z.string(), dueAt: z.string(), message: z.string() });
export type TPublicVerifyResult = z.infer<typeof ZPublicVerifyResult>;
