// Zod schemas of the home page's dashboard (issue 3): open pipeline value by stage, and deals
// won and lost per month. Amounts are integer minor units, never summed across currencies.
import { z } from 'zod';
import { ZStageKind } from './deals.ts';

const ZId = z.uuid({ error: 'must be a UUID' });

export const ZCurrencyTotal = z.object({
  currency: z.string(),
  /** Sum of the amounts, in minor units. */
  amount: z.number(),
  count: z.number().int(),
});
export type TCurrencyTotal = z.infer<typeof ZCurrencyTotal>;

export const ZPipelineDashboardQuery = z
  .object({
    /** Defaults to the first pipeline of the workspace. */
    pipelineId: ZId.optional(),
  })
  .strict();

export const ZPipelineDashboard = z.object({
  pipelineId: ZId,
  pipelineName: z.string(),
  /** Every stage of the pipeline in board order; open deals only (won and lost stages show none). */
  stages: z.array(
    z.object({
      stageId: ZId,
      name: z.string(),
      kind: ZStageKind,
      /** One per currency, by currency code. */
      totals: z.array(ZCurrencyTotal),
    }),
  ),
});
export type TPipelineDashboard = z.infer<typeof ZPipelineDashboard>;

export const ZWonLostQuery = z
  .object({
    months: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(36, { error: 'must be at most 36' })
      .default(12),
    pipelineId: ZId.optional(),
  })
  .strict();

export const ZWonLost = z.object({
  /** Oldest first, the current month (UTC) last; every month present, empty ones too. */
  months: z.array(
    z.object({
      /** YYYY-MM (UTC). */
      month: z.string(),
      won: z.array(ZCurrencyTotal),
      lost: z.array(ZCurrencyTotal),
    }),
  ),
});
export type TWonLost = z.infer<typeof ZWonLost>;
