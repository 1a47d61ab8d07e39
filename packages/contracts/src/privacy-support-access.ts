import { z } from 'zod';

/** The objects a support grant can open to the instance's operators (read-only). */
export const SUPPORT_OBJECTS = ['people', 'companies'] as const;
export const ZSupportObject = z.enum(SUPPORT_OBJECTS, { error: 'must be people or companies' });
export type TSupportObject = z.infer<typeof ZSupportObject>;

/** Grants last at most 30 days. */
export const SUPPORT_GRANT_MAX_HOURS = 720;

export const ZCreateSupportGrantBody = z
  .object({
    scope: z
      .array(ZSupportObject)
      .min(1, { error: 'must name at least one object' })
      .max(SUPPORT_OBJECTS.length)
      .refine((a) => new Set(a).size === a.length, { error: 'must not name an object twice' }),
    hours: z
      .number({ error: 'must be a number of hours' })
      .int({ error: 'must be a whole number of hours' })
      .min(1, { error: 'must be at least 1' })
      .max(SUPPORT_GRANT_MAX_HOURS, { error: `must be at most ${SUPPORT_GRANT_MAX_HOURS} (30 days)` }),
    reason: z
      .string({ error: 'is required' })
      .trim()
      .min(3, { error: 'must say why support needs access' })
      .max(500, { error: 'must be at most 500 characters' }),
  })
  .strict();
export type TCreateSupportGrantBody = z.infer<typeof ZCreateSupportGrantBody>;

export const ZSupportGrant = z.object({
  id: z.string(),
  scope: z.array(ZSupportObject),
  readOnly: z.boolean(),
  reason: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  status: z.enum(['active', 'expired', 'revoked']),
});
export type TSupportGrant = z.infer<typeof ZSupportGrant>;

export const ZSupportGrantList = z.object({ items: z.array(ZSupportGrant) });
export type TSupportGrantList = z.infer<typeof ZSupportGrantList>;

export const ZSupportGrantParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) }).strict();

/** One read by an operator under a grant (shown to the workspace). */
export const ZSupportAccess = z.object({
  id: z.string(),
  occurredAt: z.string(),
  operator: z.object({ id: z.string(), name: z.string().nullable() }),
  grantId: z.string(),
  object: z.string(),
  recordId: z.string().nullable(),
  action: z.enum(['read', 'list']),
});
export type TSupportAccess = z.infer<typeof ZSupportAccess>;

export const ZSupportAccessList = z.object({ items: z.array(ZSupportAccess), nextCursor: z.string().nullable() });
export type TSupportAccessList = z.infer<typeof ZSupportAccessList>;

export const ZSupportListQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
    after: z.uuid({ error: 'is not a cursor from this list' }).optional(),
  })
  .strict();
export type TSupportListQuery = z.input<typeof ZSupportListQuery>;

// ---- the operator's side ----------------------------------------------------------------

export const ZOperatorWorkspaceParams = z.object({ workspaceId: z.uuid({ error: 'must be a UUID' }) }).strict();
export const ZOperatorRecordParams = z
  .object({ workspaceId: z.uuid({ error: 'must be a UUID' }), id: z.uuid({ error: 'must be a UUID' }) })
  .strict();

export const ZOperatorGrantView = z.object({
  grantId: z.string(),
  scope: z.array(ZSupportObject),
  readOnly: z.boolean(),
  expiresAt: z.string(),
});

export const ZOperatorAccess = z.object({ grants: z.array(ZOperatorGrantView) });
export type TOperatorAccess = z.infer<typeof ZOperatorAccess>;

export const ZOperatorPerson = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  title: z.string().nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
});
export type TOperatorPerson = z.infer<typeof ZOperatorPerson>;

export const ZOperatorPersonList = z.object({
  items: z.array(ZOperatorPerson.pick({ id: true, firstName: true, lastName: true, title: true })),
  nextCursor: z.string().nullable(),
});

export const ZOperatorCompany = z.object({ id: z.string(), name: z.string(), domain: z.string().nullable() });
export const ZOperatorCompanyList = z.object({ items: z.array(ZOperatorCompany), nextCursor: z.string().nullable() });
