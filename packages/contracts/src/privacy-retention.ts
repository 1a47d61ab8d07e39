import { z } from 'zod';

/** A retention rule as one workspace sees it: built-in default, bounds, its own period. */
export const ZRetentionRule = z.object({
  key: z.string(),
  title: z.string(),
  category: z.string(),
  purpose: z.string(),
  tables: z.array(z.string()),
  clock: z.string(),
  action: z.enum(['delete', 'anonymise']),
  columns: z.array(z.string()),
  defaultDays: z.number().int(),
  minDays: z.number().int(),
  maxDays: z.number().int(),
  bounds: z.string(),
  /** The period that applies in this workspace. */
  days: z.number().int(),
  overridden: z.boolean(),
  /** Whether an admin may change the period (inside minDays..maxDays). */
  editable: z.boolean(),
  /** The seed the default comes from. */
  source: z.string(),
  promises: z.array(z.string()),
  status: z.enum(['enforced', 'elsewhere', 'declared']),
  scope: z.enum(['workspace', 'instance']),
  /** The job that applies it (null for a declared rule). */
  enforcedBy: z.string().nullable(),
  honoursLegalHolds: z.boolean(),
});
export type TRetentionRule = z.infer<typeof ZRetentionRule>;

export const ZRetentionRuleList = z.object({ items: z.array(ZRetentionRule) });
export type TRetentionRuleList = z.infer<typeof ZRetentionRuleList>;

export const ZRetentionRuleParams = z.object({ key: z.string().min(1).max(100) }).strict();

export const ZRetentionOverrideBody = z
  .object({
    days: z
      .number({ error: 'must be a number of days' })
      .int({ error: 'must be a whole number of days' })
      .min(0, { error: 'must be at least 0' })
      .max(36_500, { error: 'must be at most 36500' }),
  })
  .strict();
export type TRetentionOverrideBody = z.infer<typeof ZRetentionOverrideBody>;

/** P-ACC-5: when a terminated workspace's data will be deleted. */
export const ZTermination = z.object({ terminatedAt: z.string(), deleteAfter: z.string() });
export type TTermination = z.infer<typeof ZTermination>;

export const ZTerminationState = z.object({ termination: ZTermination.nullable() });
export type TTerminationState = z.infer<typeof ZTerminationState>;

export const ZTerminateBody = z
  .object({ confirmName: z.string({ error: 'must be the name of the workspace' }).min(1).max(200) })
  .strict();
export type TTerminateBody = z.infer<typeof ZTerminateBody>;

/** What each rule will delete or anonymise: due now, and due within the next 30 days
 *  (counts stop at `cap`; `capped` says a count reached it). Null: not counted here. */
export const ZRetentionForecastItem = z.object({
  key: z.string(),
  days: z.number().int(),
  dueNow: z.number().int().nullable(),
  next30Days: z.number().int().nullable(),
  capped: z.boolean(),
  note: z.string().nullable(),
});

export const ZRetentionForecast = z.object({
  from: z.string(),
  until: z.string(),
  cap: z.number().int(),
  items: z.array(ZRetentionForecastItem),
  termination: ZTermination.nullable(),
});
export type TRetentionForecast = z.infer<typeof ZRetentionForecast>;

/** The kinds of one person's data a retention rule can act on (the privacy panel). */
export const PERSON_RETENTION_KINDS = ['person', 'files', 'import_undo', 'import_file', 'audit_details'] as const;
export const ZPersonRetentionKind = z.enum(PERSON_RETENTION_KINDS);
export type TPersonRetentionKind = z.infer<typeof ZPersonRetentionKind>;

/**
 * One kind of a person's data and the rule that ends it (null: no rule ends it; kept while
 * the relationship lasts). Dates are when the daily `retention.enforce` run first takes the
 * rows (its cutoff passes their clock): `dueAt` for the earliest row of the kind, `lastDueAt`
 * for the latest. `action: "trash"` (inactive prospects) moves the person to the trash;
 * `deletedAt` is then when the trash rule deletes them. `held`: an active legal hold keeps
 * the rows past that date, until `heldUntil` (null with `held`: until the hold is released).
 */
export const ZPersonRetentionItem = z.object({
  kind: ZPersonRetentionKind,
  ruleKey: z.string().nullable(),
  ruleTitle: z.string().nullable(),
  action: z.enum(['delete', 'anonymise', 'trash']).nullable(),
  days: z.number().int().nullable(),
  count: z.number().int(),
  clock: z.string().nullable(),
  since: z.string().nullable(),
  dueAt: z.string().nullable(),
  lastDueAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  held: z.boolean(),
  heldUntil: z.string().nullable(),
});
export type TPersonRetentionItem = z.infer<typeof ZPersonRetentionItem>;

export const ZPersonRetention = z.object({
  personId: z.uuid(),
  at: z.string(),
  items: z.array(ZPersonRetentionItem),
});
export type TPersonRetention = z.infer<typeof ZPersonRetention>;
