// Zod schemas of projects (issue 3, P-CRM-4). Shared by server and web. Every input object
// refuses unknown keys (422 naming the key).
import { z } from 'zod';
import { ZRecordVisibility } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();
const ZDay = z.iso.date({ error: 'must be a date YYYY-MM-DD' });

const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });

export const PROJECT_STATUSES = ['planned', 'active', 'on_hold', 'done', 'cancelled'] as const;
export const ZProjectStatus = z.enum(PROJECT_STATUSES, { error: `must be one of ${PROJECT_STATUSES.join(', ')}` });
export type TProjectStatus = z.infer<typeof ZProjectStatus>;

export const ZProject = z.object({
  id: ZId,
  name: z.string(),
  description: z.string(),
  status: ZProjectStatus,
  startDate: z.string().nullable(),
  endDate: z.string().nullable(),
  /** null once the owner's account is deleted. */
  ownerId: ZId.nullable(),
  /** Workspace members working on it; they see the project whatever its visibility. */
  memberIds: z.array(ZId),
  /** Only the companies and deals the caller can see. */
  companyIds: z.array(ZId),
  dealIds: z.array(ZId),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TProject = z.infer<typeof ZProject>;

const ids = (what: string) =>
  z
    .array(ZId, { error: `must be a list of ${what} ids` })
    .max(100, { error: 'must have at most 100 items' })
    .transform((l) => [...new Set(l)]);

/** Member or higher. Members must belong to the workspace; companies and deals must be
 *  visible to the caller (else 404). */
export const ZCreateProjectBody = z
  .object({
    name: text(200, 1),
    description: text(10_000).default(''),
    status: ZProjectStatus.default('planned'),
    startDate: ZDay.nullable().optional(),
    endDate: ZDay.nullable().optional(),
    /** Defaults to the caller. */
    ownerId: ZId.optional(),
    memberIds: ids('member').default([]),
    companyIds: ids('company').default([]),
    dealIds: ids('deal').default([]),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TCreateProjectBody = z.input<typeof ZCreateProjectBody>;

/** Every field optional; a list replaces that list (links to records the caller cannot see are kept). */
export const ZUpdateProjectBody = z
  .object({
    name: text(200, 1).optional(),
    description: text(10_000).optional(),
    status: ZProjectStatus.optional(),
    startDate: ZDay.nullable().optional(),
    endDate: ZDay.nullable().optional(),
    ownerId: ZId.optional(),
    memberIds: ids('member').optional(),
    companyIds: ids('company').optional(),
    dealIds: ids('deal').optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TUpdateProjectBody = z.input<typeof ZUpdateProjectBody>;

export const ZProjectParams = z.object({ id: ZId }).strict();

export const PROJECT_SORTS = ['name', 'createdAt', 'updatedAt'] as const;
export const ZProjectSort = z.enum(PROJECT_SORTS, { error: `must be one of ${PROJECT_SORTS.join(', ')}` });

export const ZProjectListQuery = z
  .object({
    status: ZProjectStatus.optional(),
    ownerId: ZId.optional(),
    /** 'me' or a member's id: projects they work on. */
    member: z.union([z.literal('me'), ZId], { error: "must be 'me' or a member id" }).optional(),
    companyId: ZId.optional(),
    dealId: ZId.optional(),
    sort: ZProjectSort.default('updatedAt'),
    dir: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
    after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(200, { error: 'must be at most 200' })
      .default(50),
  })
  .strict();
export type TProjectListQuery = z.input<typeof ZProjectListQuery>;

export const ZProjectList = z.object({ items: z.array(ZProject), nextCursor: z.string().nullable() });
export type TProjectList = z.infer<typeof ZProjectList>;

/** DELETE /api/v1/projects/:id moves it to the shared trash (30 days); its tasks stay. */
export const ZDeletedProject = z.object({
  kind: z.literal('project'),
  id: ZId,
  name: z.string(),
  deletedAt: ZTimestamp,
  purgeAfter: ZTimestamp,
});
export type TDeletedProject = z.infer<typeof ZDeletedProject>;
