// Zod schemas of tasks (issue 3, P-CRM-4). Shared by server and web. Every input object
// refuses unknown keys (422 naming the key).
import { z } from 'zod';
import { ZRecordVisibility } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();
const ZInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export const ZTaskStatus = z.enum(TASK_STATUSES, { error: `must be one of ${TASK_STATUSES.join(', ')}` });
export type TTaskStatus = z.infer<typeof ZTaskStatus>;

export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const ZTaskPriority = z.enum(TASK_PRIORITIES, { error: `must be one of ${TASK_PRIORITIES.join(', ')}` });
export type TTaskPriority = z.infer<typeof ZTaskPriority>;

export const ZTask = z.object({
  id: ZId,
  title: z.string(),
  /** Plain text. */
  description: z.string(),
  dueAt: ZTimestamp.nullable(),
  /** A member of the workspace; null when nobody (or once they left the workspace). */
  assigneeId: ZId.nullable(),
  status: ZTaskStatus,
  /** Set when the task became done; null otherwise. */
  completedAt: ZTimestamp.nullable(),
  priority: ZTaskPriority,
  /** The creator owns the task for visibility; null once that account is deleted. */
  createdBy: ZId.nullable(),
  /** null when none, or when the caller cannot see the project. */
  projectId: ZId.nullable(),
  /** Only the linked records the caller can see. */
  personIds: z.array(ZId),
  companyIds: z.array(ZId),
  dealIds: z.array(ZId),
  /** When the assignee (else the creator) is reminded, by email and in the app. */
  remindAt: ZTimestamp.nullable(),
  /** When the reminder went out; a new remindAt clears it. */
  reminderSentAt: ZTimestamp.nullable(),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TTask = z.infer<typeof ZTask>;

const ids = (what: string) =>
  z
    .array(ZId, { error: `must be a list of ${what} ids` })
    .max(50, { error: 'must have at most 50 items' })
    .transform((l) => [...new Set(l)]);

/** Member or higher. Linked records and the project must be visible to the caller (else 404). */
export const ZCreateTaskBody = z
  .object({
    title: text(300, 1),
    description: text(10_000).default(''),
    dueAt: ZInstant.nullable().optional(),
    /** Defaults to the caller; null for nobody. Must be a member of the workspace. */
    assigneeId: ZId.nullable().optional(),
    status: ZTaskStatus.default('open'),
    priority: ZTaskPriority.default('normal'),
    projectId: ZId.nullable().optional(),
    personIds: ids('person').default([]),
    companyIds: ids('company').default([]),
    dealIds: ids('deal').default([]),
    remindAt: ZInstant.nullable().optional(),
    /** Defaults to 'workspace'. */
    visibility: ZRecordVisibility.optional(),
    /** Required when visibility is 'team'. */
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TCreateTaskBody = z.input<typeof ZCreateTaskBody>;

/** Every field optional; a list of ids replaces that list (links to records the caller
 *  cannot see are kept). A new remindAt arms the reminder again. */
export const ZUpdateTaskBody = z
  .object({
    title: text(300, 1).optional(),
    description: text(10_000).optional(),
    dueAt: ZInstant.nullable().optional(),
    assigneeId: ZId.nullable().optional(),
    status: ZTaskStatus.optional(),
    priority: ZTaskPriority.optional(),
    projectId: ZId.nullable().optional(),
    personIds: ids('person').optional(),
    companyIds: ids('company').optional(),
    dealIds: ids('deal').optional(),
    remindAt: ZInstant.nullable().optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TUpdateTaskBody = z.input<typeof ZUpdateTaskBody>;

export const ZTaskParams = z.object({ id: ZId }).strict();

export const TASK_SORTS = ['dueAt', 'createdAt', 'updatedAt'] as const;
export const ZTaskSort = z.enum(TASK_SORTS, { error: `must be one of ${TASK_SORTS.join(', ')}` });

const STATUS_LIST = new RegExp(`^(${TASK_STATUSES.join('|')})(,(${TASK_STATUSES.join('|')}))*$`);

/** Keyset pages: pass nextCursor back as `after`. Tasks without a due date come last in
 *  either direction of sort 'dueAt'; ties break on id. */
export const ZTaskListQuery = z
  .object({
    /** 'me', 'none' (unassigned) or a member's id. */
    assignee: z
      .union([z.literal('me'), z.literal('none'), ZId], { error: "must be 'me', 'none' or a member id" })
      .optional(),
    /** One status or several, comma-separated: open,in_progress. */
    status: z
      .string()
      .regex(STATUS_LIST, { error: `must be a comma-separated list of ${TASK_STATUSES.join(', ')}` })
      .optional(),
    /** Due strictly before / at or after this time (tasks without a due date are left out). */
    dueBefore: ZInstant.optional(),
    dueAfter: ZInstant.optional(),
    personId: ZId.optional(),
    companyId: ZId.optional(),
    dealId: ZId.optional(),
    projectId: ZId.optional(),
    sort: ZTaskSort.default('dueAt'),
    dir: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('asc'),
    after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
  })
  .strict();
export type TTaskListQuery = z.input<typeof ZTaskListQuery>;

export const ZTaskList = z.object({ items: z.array(ZTask), nextCursor: z.string().nullable() });
export type TTaskList = z.infer<typeof ZTaskList>;

/** DELETE /api/v1/tasks/:id moves it to the shared trash (30 days); restore with
 *  POST /api/v1/trash/task/:id/restore or POST /api/v1/tasks/:id/restore. */
export const ZDeletedTask = z.object({
  kind: z.literal('task'),
  id: ZId,
  name: z.string(),
  deletedAt: ZTimestamp,
  purgeAfter: ZTimestamp,
});
export type TDeletedTask = z.infer<typeof ZDeletedTask>;
