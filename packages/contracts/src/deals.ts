// Zod schemas of pipelines, their stages, deals and the stage history (issue 3, P-CRM-3).
// Shared by server and web. Every input object refuses unknown keys (422 naming the key).
import { z } from 'zod';
import { ZCustomFieldValues, ZCustomFieldValuesInput, ZCustomSort, ZFilterParam } from './custom-fields.ts';
import { ZRecordVisibility } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });

// Pipelines and stages

export const STAGE_KINDS = ['open', 'won', 'lost'] as const;
/** open: the deal is still being worked; won and lost close it (status and closedAt follow). */
export const ZStageKind = z.enum(STAGE_KINDS, { error: `must be one of ${STAGE_KINDS.join(', ')}` });
export type TStageKind = z.infer<typeof ZStageKind>;

export const ZProbability = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(0, { error: 'must be at least 0' })
  .max(100, { error: 'must be at most 100' });

export const ZStage = z.object({
  id: ZId,
  name: z.string(),
  /** 0, 1, 2 … in board order (left to right). */
  position: z.number().int(),
  kind: ZStageKind,
  /** 0..100: the probability of a deal in this stage unless the deal sets its own. */
  probability: z.number().int(),
});
export type TStage = z.infer<typeof ZStage>;

export const ZPipeline = z.object({
  id: ZId,
  name: z.string(),
  /** 0, 1, 2 … the order of the pipelines. */
  position: z.number().int(),
  /** In order of position. */
  stages: z.array(ZStage),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type TPipeline = z.infer<typeof ZPipeline>;

/** GET /api/v1/pipelines: every pipeline of the workspace, in order. The first call in a
 *  workspace without pipelines creates the default "Sales" pipeline (Lead, Qualified,
 *  Proposal, Negotiation, Won (won), Lost (lost)). */
export const ZPipelineList = z.object({ items: z.array(ZPipeline) });
export type TPipelineList = z.infer<typeof ZPipelineList>;

/** A stage in a create or update body. On PATCH the list is the whole new list, in order:
 *  an item with `id` keeps (renames, re-kinds) that stage, an item without `id` adds one, a
 *  stage left out is deleted — refused with 409 `stage_has_deals` while deals are in it. */
export const ZStageInput = z
  .object({
    id: ZId.optional(),
    name: text(100, 1),
    kind: ZStageKind.default('open'),
    /** Defaults: open 10, won 100, lost 0. */
    probability: ZProbability.optional(),
  })
  .strict();
export type TStageInput = z.input<typeof ZStageInput>;

const ZStageInputs = z
  .array(ZStageInput, { error: 'must be a list of stages' })
  .min(1, { error: 'must have at least one stage' })
  .max(50, { error: 'must have at most 50 stages' })
  .superRefine((list, ctx) => {
    const ids = new Set<string>();
    const names = new Set<string>();
    list.forEach((s, i) => {
      if (s.id) {
        if (ids.has(s.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'is listed twice' });
        ids.add(s.id);
      }
      const n = s.name.toLowerCase();
      if (names.has(n)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is listed twice' });
      names.add(n);
    });
  });

/** Admin or owner. */
export const ZCreatePipelineBody = z
  .object({
    name: text(100, 1),
    /** Defaults to the default stages (Lead … Won, Lost). */
    stages: ZStageInputs.optional(),
  })
  .strict();
export type TCreatePipelineBody = z.input<typeof ZCreatePipelineBody>;

/** Admin or owner. `position` moves the pipeline among the others; `stages` replaces the list (see ZStageInput). */
export const ZUpdatePipelineBody = z
  .object({
    name: text(100, 1).optional(),
    position: z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0).optional(),
    stages: ZStageInputs.optional(),
  })
  .strict();
export type TUpdatePipelineBody = z.input<typeof ZUpdatePipelineBody>;

export const ZPipelineParams = z.object({ id: ZId }).strict();

// Deals

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;
export const ZDealStatus = z.enum(DEAL_STATUSES, { error: `must be one of ${DEAL_STATUSES.join(', ')}` });
export type TDealStatus = z.infer<typeof ZDealStatus>;

/** ISO 4217 alphabetic code, upper-cased (NOK, EUR, USD). */
export const ZCurrency = z
  .string({ error: 'must be a string' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 three-letter currency code' });

/** Integer minor units (øre, cents): 12345 = 123.45. */
export const ZAmount = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number of minor units (cents, øre)' })
  .min(0, { error: 'must be at least 0' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' });

/** A calendar date YYYY-MM-DD. */
export const ZDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

export const ZDeal = z.object({
  id: ZId,
  pipelineId: ZId,
  stageId: ZId,
  name: z.string(),
  /** Integer minor units. */
  amount: z.number().int(),
  currency: z.string(),
  expectedCloseDate: z.string().nullable(),
  /** null: the stage's probability applies. */
  probability: z.number().int().nullable(),
  /** null once the owner's account is deleted. */
  ownerId: ZId.nullable(),
  /** null when none, or when the caller cannot see the company. */
  companyId: ZId.nullable(),
  /** Only the people the caller can see. */
  personIds: z.array(ZId),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  /** From the stage's kind. */
  status: ZDealStatus,
  /** When the deal entered a won or lost stage; null while open. */
  closedAt: ZTimestamp.nullable(),
  /** Values of the workspace's custom fields of deals, by key. */
  customFields: ZCustomFieldValues,
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TDeal = z.infer<typeof ZDeal>;

const ZPersonIds = z
  .array(ZId, { error: 'must be a list of person ids' })
  .max(50, { error: 'must have at most 50 people' })
  .transform((l) => [...new Set(l)]);

/** Member or higher. The company and people must be visible to the caller (else 404). */
export const ZCreateDealBody = z
  .object({
    pipelineId: ZId,
    /** Defaults to the pipeline's first stage. Must belong to the pipeline. */
    stageId: ZId.optional(),
    name: text(200, 1),
    amount: ZAmount.default(0),
    currency: ZCurrency,
    expectedCloseDate: ZDate.nullable().optional(),
    probability: ZProbability.nullable().optional(),
    /** Defaults to the caller. Must be a member of the workspace. */
    ownerId: ZId.optional(),
    companyId: ZId.nullable().optional(),
    personIds: ZPersonIds.default([]),
    /** Defaults to 'workspace'. */
    visibility: ZRecordVisibility.optional(),
    /** Required when visibility is 'team'. */
    teamId: ZId.nullable().optional(),
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TCreateDealBody = z.input<typeof ZCreateDealBody>;

/** Every field optional; `personIds` replaces the list. The stage changes only through /move
 *  (so that every change of stage is in the history). */
export const ZUpdateDealBody = z
  .object({
    name: text(200, 1).optional(),
    amount: ZAmount.optional(),
    currency: ZCurrency.optional(),
    expectedCloseDate: ZDate.nullable().optional(),
    probability: ZProbability.nullable().optional(),
    ownerId: ZId.optional(),
    companyId: ZId.nullable().optional(),
    personIds: ZPersonIds.optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TUpdateDealBody = z.input<typeof ZUpdateDealBody>;

/** POST /api/v1/deals/:id/move: to another stage of the same pipeline. There is no manual
 *  order inside a column: a column is sorted by updatedAt, newest first, so a moved deal
 *  lands on top. Moving to the stage it is in changes nothing (no history row). */
export const ZMoveDealBody = z.object({ stageId: ZId }).strict();
export type TMoveDealBody = z.input<typeof ZMoveDealBody>;

export const ZDealParams = z.object({ id: ZId }).strict();

export const ZStageHistoryItem = z.object({
  stageId: ZId,
  /** null for the stage the deal was created in. */
  fromStageId: ZId.nullable(),
  movedAt: ZTimestamp,
  /** null once that account is deleted. */
  movedBy: ZId.nullable(),
});
export type TStageHistoryItem = z.infer<typeof ZStageHistoryItem>;
/** GET /api/v1/deals/:id/history: oldest first, the creation included. */
export const ZStageHistory = z.object({ items: z.array(ZStageHistoryItem) });
export type TStageHistory = z.infer<typeof ZStageHistory>;

// Lists (keyset pagination: pass nextCursor back as `after`; null when there is no more)

export const DEAL_SORTS = [
  'name',
  'createdAt',
  'updatedAt',
  'amount',
  'expectedCloseDate',
  'stage',
  'probability',
  'status',
  'currency',
  'closedAt',
  'owner',
] as const;
export const ZDealSort = z.enum(DEAL_SORTS, { error: `must be one of ${DEAL_SORTS.join(', ')}` });
export const ZDealRecordSort = z.union([ZDealSort, ZCustomSort], {
  error: `must be one of ${DEAL_SORTS.join(', ')} or cf.<key> of a custom field`,
});

/** Sort 'name' is case-insensitive; ties break on id. Deals without an expected close date
 *  sort as 9999-12-31 (last ascending, first descending). Amounts sort by their number
 *  whatever the currency; 'currency' sorts by currency code, then amount. 'stage' sorts by
 *  the stage's position in the pipeline; 'status' as open, won, lost; 'probability' by the
 *  deal's own probability, deals without one (the stage's applies) as -1 (first ascending);
 *  'closedAt': open deals (no closed date) last ascending, first descending. 'owner': by the
 *  owner's display name (case-insensitive), then owner id, then deal id; deals without an
 *  owner last in both directions. */
export const ZDealListQuery = z
  .object({
    pipelineId: ZId,
    stageId: ZId.optional(),
    ownerId: ZId.optional(),
    companyId: ZId.optional(),
    personId: ZId.optional(),
    status: ZDealStatus.optional(),
    /** Repeated `field:op:value` (docs/api.md, "Table views"). */
    filter: ZFilterParam.optional(),
    sort: ZDealRecordSort.default('updatedAt'),
    dir: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
    /** Opaque; only valid with the same sort and dir. */
    after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
  })
  .strict();
export type TDealListQuery = z.input<typeof ZDealListQuery>;

export const ZDealList = z.object({ items: z.array(ZDeal), nextCursor: z.string().nullable() });
export type TDealList = z.infer<typeof ZDealList>;

/** GET /api/v1/pipelines/:id/board?perStage=50: every stage with its first page of deals,
 *  sorted updatedAt desc. The next page of a column: GET /api/v1/deals?pipelineId=…&stageId=…
 *  &sort=updatedAt&dir=desc&after=<nextCursor>. */
export const ZBoardQuery = z
  .object({
    perStage: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
  })
  .strict();
export type TBoardQuery = z.input<typeof ZBoardQuery>;

export const ZBoard = z.object({
  pipeline: ZPipeline,
  stages: z.array(z.object({ stage: ZStage, items: z.array(ZDeal), nextCursor: z.string().nullable() })),
});
export type TBoard = z.infer<typeof ZBoard>;

/** DELETE /api/v1/deals/:id moves it to the trash (30 days; then the daily purge deletes it
 *  for good) and answers with this; POST /api/v1/deals/:id/restore (or the shared
 *  POST /api/v1/trash/deal/:id/restore) brings it back (member) and answers with the deal.
 *  Listed by GET /api/v1/deals/trash and by the shared GET /api/v1/trash (kind 'deal'). */
export const ZDeletedDeal = z.object({
  kind: z.literal('deal'),
  id: ZId,
  name: z.string(),
  deletedAt: ZTimestamp,
  purgeAfter: ZTimestamp,
});
export type TDeletedDeal = z.infer<typeof ZDeletedDeal>;

/** GET /api/v1/deals/trash: deleted deals I can see, newest deletion first. */
export const ZDealTrashQuery = z
  .object({
    after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
  })
  .strict();
export type TDealTrashQuery = z.input<typeof ZDealTrashQuery>;
export const ZDealTrashList = z.object({ items: z.array(ZDeletedDeal), nextCursor: z.string().nullable() });
export type TDealTrashList = z.infer<typeof ZDealTrashList>;
