// Zod schemas of interactions (issue 3, P-CRM-9): calls, meetings and emails with people.
// Logged by hand now ('manual'); mailbox and calendar syncs add theirs later ('sync:<provider>').
import { z } from 'zod';
import { ZNoteLinkIds } from './notes.ts';
import { ZRecordVisibility } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

export const INTERACTION_KINDS = ['email', 'meeting', 'call'] as const;
export const ZInteractionKind = z.enum(INTERACTION_KINDS, { error: `must be one of ${INTERACTION_KINDS.join(', ')}` });
export type TInteractionKind = z.infer<typeof ZInteractionKind>;

export const INTERACTION_DIRECTIONS = ['in', 'out'] as const;
/** in: they reached us; out: we reached them. Calls and emails only. */
export const ZInteractionDirection = z.enum(INTERACTION_DIRECTIONS, { error: 'must be in or out' });

export const CALL_OUTCOMES = ['connected', 'no_answer', 'voicemail', 'busy', 'wrong_number'] as const;
/** Calls only. */
export const ZCallOutcome = z.enum(CALL_OUTCOMES, { error: `must be one of ${CALL_OUTCOMES.join(', ')}` });
export type TCallOutcome = z.infer<typeof ZCallOutcome>;

export const ZInteraction = z.object({
  id: ZId,
  kind: ZInteractionKind,
  direction: ZInteractionDirection.nullable(),
  occurredAt: ZTimestamp,
  durationSeconds: z.number().int().nullable(),
  subject: z.string().nullable(),
  summary: z.string().nullable(),
  outcome: ZCallOutcome.nullable(),
  /** 'manual' or 'sync:<provider>'. */
  source: z.string(),
  /** Who logged it; null once that account is deleted. */
  ownerId: ZId.nullable(),
  /** The participants the caller can see. */
  personIds: z.array(ZId),
  companyIds: z.array(ZId),
  dealIds: z.array(ZId),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
});
export type TInteraction = z.infer<typeof ZInteraction>;

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .transform((s) => (s === '' ? null : s));

const ZOccurredAt = z.iso.datetime({ offset: true, error: 'must be a date and time (ISO 8601)' });
/** Up to 24 hours. */
const ZDuration = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number of seconds' })
  .min(0, { error: 'must be at least 0' })
  .max(86_400, { error: 'must be at most 86400 (24 hours)' });

const fields = {
  direction: ZInteractionDirection.nullable().optional(),
  durationSeconds: ZDuration.nullable().optional(),
  subject: text(300).nullable().optional(),
  summary: text(10_000).nullable().optional(),
  outcome: ZCallOutcome.nullable().optional(),
  visibility: ZRecordVisibility.optional(),
  teamId: ZId.nullable().optional(),
};

/** Member or higher: log a call, meeting or email by hand. At least one person, company or
 *  deal, each visible to the caller (else 404). A meeting has no direction; only a call has
 *  an outcome (422 otherwise). */
export const ZCreateInteractionBody = z
  .object({
    kind: ZInteractionKind,
    occurredAt: ZOccurredAt,
    personIds: ZNoteLinkIds('person').default([]),
    companyIds: ZNoteLinkIds('company').default([]),
    dealIds: ZNoteLinkIds('deal').default([]),
    ...fields,
  })
  .strict();
export type TCreateInteractionBody = z.input<typeof ZCreateInteractionBody>;

/** Every field optional; the kind does not change. Lists of ids replace that kind of link. */
export const ZUpdateInteractionBody = z
  .object({
    occurredAt: ZOccurredAt.optional(),
    personIds: ZNoteLinkIds('person').optional(),
    companyIds: ZNoteLinkIds('company').optional(),
    dealIds: ZNoteLinkIds('deal').optional(),
    ...fields,
  })
  .strict();
export type TUpdateInteractionBody = z.input<typeof ZUpdateInteractionBody>;

export const ZInteractionParams = z.object({ id: ZId }).strict();

const ZLimit = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100' })
  .default(30);

/** Exactly one of person, company or deal. */
export const ZTimelineRecordQuery = {
  person: ZId.optional(),
  company: ZId.optional(),
  deal: ZId.optional(),
  /** Opaque; pass nextCursor back. */
  after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
  limit: ZLimit,
};

const refineOneTimelineRecord = <
  T extends { person?: string | undefined; company?: string | undefined; deal?: string | undefined },
>(
  q: T,
  ctx: z.RefinementCtx,
) => {
  const n = [q.person, q.company, q.deal].filter(Boolean).length;
  if (n !== 1)
    ctx.addIssue({ code: 'custom', path: ['person'], message: 'give exactly one of person, company or deal' });
};

/** GET /api/v1/interactions?person=…: newest first, keyset pages. */
export const ZInteractionListQuery = z.object(ZTimelineRecordQuery).strict().superRefine(refineOneTimelineRecord);
export type TInteractionListQuery = z.input<typeof ZInteractionListQuery>;
export const ZInteractionList = z.object({ items: z.array(ZInteraction), nextCursor: z.string().nullable() });
export type TInteractionList = z.infer<typeof ZInteractionList>;

export { refineOneTimelineRecord };
