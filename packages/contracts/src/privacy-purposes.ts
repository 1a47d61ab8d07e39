import { z } from 'zod';

/** P-LB-1: every purpose has one of these legal bases (GDPR art. 6(1) a, b, c, f). */
export const LEGAL_BASES = ['consent', 'contract', 'legitimate_interest', 'legal_obligation'] as const;
export type TLegalBasis = (typeof LEGAL_BASES)[number];
export const ZLegalBasis = z.enum(LEGAL_BASES, { error: `must be one of ${LEGAL_BASES.join(', ')}` });

/** What a purpose does. The last four may never read Google or Microsoft data (P-INT-9). */
export const PURPOSE_KINDS = [
  'relationship',
  'direct_marketing',
  'analytics',
  'integration',
  'enrichment',
  'ai_assist',
  'profiling',
  'billing',
  'security',
  'other',
  'advertising',
  'sale',
  'partner_sharing',
  'model_training',
] as const;
export type TPurposeKind = (typeof PURPOSE_KINDS)[number];
export const ZPurposeKind = z.enum(PURPOSE_KINDS, { error: `must be one of ${PURPOSE_KINDS.join(', ')}` });

/** Kinds that may never read data whose source is Google or Microsoft (P-INT-9). */
export const KINDS_BARRED_FROM_GOOGLE_MICROSOFT: readonly TPurposeKind[] = [
  'advertising',
  'sale',
  'partner_sharing',
  'model_training',
];

export const ZPurpose = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  legalBasis: ZLegalBasis,
  kind: ZPurposeKind,
  categories: z.array(z.string()),
  retention: z.string(),
  retentionDays: z.number().int().nullable(),
  /** How long a consent given for the purpose lasts, in months; null: until withdrawn. */
  consentMonths: z.number().int().nullable(),
  objectable: z.boolean(),
  builtIn: z.boolean(),
  /** True for kinds barred from Google and Microsoft data (P-INT-9). */
  barredFromGoogleMicrosoft: z.boolean(),
  archived: z.boolean(),
});
export type TPurpose = z.infer<typeof ZPurpose>;

export const ZPurposeList = z.object({ items: z.array(ZPurpose) });
export type TPurposeList = z.infer<typeof ZPurposeList>;

const ZCategoryKey = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[a-z_]+(\.[a-z_]+)*$/, { error: 'must be a dotted category key such as user.contact.email' });

// The fields without their defaults: a change (PATCH) must leave out what it does not name,
// not reset it to the default.
const ZPurposeFields = z
  .object({
    key: z
      .string()
      .min(3, { error: 'must be at least 3 characters' })
      .max(60, { error: 'must be at most 60 characters' })
      .regex(/^custom\.[a-z0-9_]+(\.[a-z0-9_]+)*$/, {
        error: 'must start with custom. and use lower-case letters, digits, _ and dots (e.g. custom.events)',
      }),
    name: z
      .string()
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(120, { error: 'must be at most 120 characters' }),
    description: z.string().max(2000, { error: 'must be at most 2000 characters' }),
    legalBasis: ZLegalBasis,
    kind: ZPurposeKind,
    categories: z
      .array(ZCategoryKey)
      .min(1, { error: 'must name at least one data category' })
      .max(50, { error: 'must name at most 50 categories' }),
    retention: z
      .string()
      .trim()
      .min(1, { error: 'must say how long the data is kept' })
      .max(500, { error: 'must be at most 500 characters' }),
    retentionDays: z.number().int().min(1, { error: 'must be at least 1' }).max(36500).nullable(),
    /** Only for a purpose whose basis is consent: how long a consent lasts, in months. */
    consentMonths: z
      .number({ error: 'must be a whole number of months' })
      .int({ error: 'must be a whole number of months' })
      .min(1, { error: 'must be at least 1' })
      .max(120, { error: 'must be at most 120' })
      .nullable(),
    objectable: z.boolean(),
  })
  .strict();

export const ZCreatePurposeBody = ZPurposeFields.extend({
  description: ZPurposeFields.shape.description.default(''),
  retentionDays: ZPurposeFields.shape.retentionDays.default(null),
  consentMonths: ZPurposeFields.shape.consentMonths.default(null),
}).strict();
export type TCreatePurposeBody = z.input<typeof ZCreatePurposeBody>;

export const ZUpdatePurposeBody = ZPurposeFields.omit({ key: true })
  .partial()
  .extend({ archived: z.boolean().optional() })
  .strict();
export type TUpdatePurposeBody = z.input<typeof ZUpdatePurposeBody>;

export const ZPurposeParams = z.object({ key: z.string().min(1).max(60) }).strict();

/** Objections (P-DSR-5, P-DSR-7, P-MKT-5). */
export const OBJECTION_SCOPES = ['legitimate_interest', 'direct_marketing', 'profiling'] as const;
export type TObjectionScope = (typeof OBJECTION_SCOPES)[number];
export const ZObjectionScope = z.enum(OBJECTION_SCOPES, { error: `must be one of ${OBJECTION_SCOPES.join(', ')}` });

export const ZObjection = z.object({
  id: z.string(),
  scope: ZObjectionScope,
  /** Null: every purpose of the scope. */
  purposeKey: z.string().nullable(),
  reason: z.string(),
  recordedAt: z.string(),
  recordedBy: z.string().nullable(),
  withdrawnAt: z.string().nullable(),
});
export type TObjection = z.infer<typeof ZObjection>;

export const ZRecordObjectionBody = z
  .object({
    scope: ZObjectionScope,
    purposeKey: z.string().min(1).max(60).nullable().default(null),
    reason: z.string().max(2000, { error: 'must be at most 2000 characters' }).default(''),
  })
  .strict();
export type TRecordObjectionBody = z.input<typeof ZRecordObjectionBody>;
