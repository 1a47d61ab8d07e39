// Zod schemas of the timeline (issue 3, P-CRM-9): one stream per person, company or deal of
// its notes, calls, meetings and emails, its tasks (created, completed) and the stage changes
// of its deals, newest first.
import { z } from 'zod';
import { refineOneTimelineRecord, ZInteraction, ZTimelineRecordQuery } from './interactions.ts';
import { ZNote } from './notes.ts';
import { ZTaskStatus } from './tasks.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

/** GET /api/v1/timeline?person=… (or company=, deal=): exactly one record. */
export const ZTimelineQuery = z.object(ZTimelineRecordQuery).strict().superRefine(refineOneTimelineRecord);
export type TTimelineQuery = z.input<typeof ZTimelineQuery>;

export const ZTimelineNote = z.object({ kind: z.literal('note'), id: ZId, at: ZTimestamp, note: ZNote });
export const ZTimelineInteraction = z.object({
  kind: z.literal('interaction'),
  id: ZId,
  at: ZTimestamp,
  interaction: ZInteraction,
});
export const ZTimelineStageChange = z.object({
  kind: z.literal('stage_change'),
  /** The history entry's id. */
  id: ZId,
  at: ZTimestamp,
  stageChange: z.object({
    dealId: ZId,
    dealName: z.string(),
    stageId: ZId,
    /** null when the stage was deleted since. */
    stageName: z.string().nullable(),
    /** null for the stage the deal was created in. */
    fromStageId: ZId.nullable(),
    fromStageName: z.string().nullable(),
    movedBy: ZId.nullable(),
  }),
});

/** A task linked to the record (P-CRM-4): one item when it was created, one when it was done. */
export const ZTimelineTaskSummary = z.object({
  id: ZId,
  title: z.string(),
  status: ZTaskStatus,
  dueAt: ZTimestamp.nullable(),
  completedAt: ZTimestamp.nullable(),
  assigneeId: ZId.nullable(),
  createdBy: ZId.nullable(),
});
export const ZTimelineTask = z.object({
  kind: z.enum(['task_created', 'task_completed']),
  /** The task's id (a task may have both items). */
  id: ZId,
  at: ZTimestamp,
  task: ZTimelineTaskSummary,
});

export const ZTimelineItem = z.discriminatedUnion('kind', [
  ZTimelineNote,
  ZTimelineInteraction,
  ZTimelineStageChange,
  ZTimelineTask,
]);
export type TTimelineItem = z.infer<typeof ZTimelineItem>;

/** Newest first; ties in time break on kind, then id. */
export const ZTimeline = z.object({ items: z.array(ZTimelineItem), nextCursor: z.string().nullable() });
export type TTimeline = z.infer<typeof ZTimeline>;
