import { z } from 'zod';

/** One read of a record's personal data: who, when, how (GET /api/v1/people/:id/accesses). */
export const ZAccessEntry = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actor: z.object({ kind: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  action: z.string(),
  via: z.string(),
  sealed: z.boolean(),
});
export type TAccessEntry = z.infer<typeof ZAccessEntry>;

export const ZAccessList = z.object({ items: z.array(ZAccessEntry), nextCursor: z.string().nullable() });
export type TAccessList = z.infer<typeof ZAccessList>;

export const ZAccessListQuery = z
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
export type TAccessListQuery = z.input<typeof ZAccessListQuery>;
