// Zod schemas of duplicate detection and merge of people:
// GET /api/v1/people/duplicates, POST /api/v1/people/duplicates/dismiss, POST /api/v1/people/merge.
import { z } from 'zod';
import { ZCompany, ZPerson } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });

/** Why two people look like one: the same email (trimmed, lower-cased), the same phone
 *  (E.164), or the same name (case-insensitive) and a company in common. */
export const DUPLICATE_REASONS = ['email', 'phone', 'name_company'] as const;
export const ZDuplicateReason = z.enum(DUPLICATE_REASONS);
export type TDuplicateReason = z.infer<typeof ZDuplicateReason>;

export const ZDuplicateListQuery = z
  .object({
    /** Opaque; `nextCursor` of the previous page. */
    after: z.string().min(1).max(200, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .default(25),
  })
  .strict();
export type TDuplicateListQuery = z.input<typeof ZDuplicateListQuery>;

/** A candidate pair, the smaller id first; both people are live and visible to the caller. */
export const ZDuplicatePair = z.object({
  people: z.tuple([ZPerson, ZPerson]),
  reasons: z.array(ZDuplicateReason),
});
export type TDuplicatePair = z.infer<typeof ZDuplicatePair>;

export const ZDuplicateList = z.object({ items: z.array(ZDuplicatePair), nextCursor: z.string().nullable() });
export type TDuplicateList = z.infer<typeof ZDuplicateList>;

/** Marks a pair "not a duplicate": the finder no longer offers it. */
export const ZDismissDuplicateBody = z
  .object({ personIds: z.tuple([ZId, ZId]) })
  .strict()
  .refine((b) => b.personIds[0] !== b.personIds[1], { path: ['personIds'], error: 'must be two different people' });
export type TDismissDuplicateBody = z.input<typeof ZDismissDuplicateBody>;

/** Fields holding one value: keep the survivor's or take the merged person's. */
export const MERGE_VALUE_FIELDS = ['firstName', 'lastName', 'title', 'address', 'ownerId', 'visibility'] as const;
/** Fields holding a list: the union of both by default, or only one side's. */
export const MERGE_LIST_FIELDS = ['emails', 'phones', 'tags', 'subjectCategories', 'companies'] as const;

const ZValueChoice = z.enum(['survivor', 'merged'], { error: 'must be survivor or merged' });
const ZListChoice = z.enum(['union', 'survivor', 'merged'], { error: 'must be union, survivor or merged' });

export const ZMergeFields = z
  .object({
    firstName: ZValueChoice.default('survivor'),
    lastName: ZValueChoice.default('survivor'),
    title: ZValueChoice.default('survivor'),
    /** The postal address as a whole. */
    address: ZValueChoice.default('survivor'),
    ownerId: ZValueChoice.default('survivor'),
    /** Visibility with its team. */
    visibility: ZValueChoice.default('survivor'),
    emails: ZListChoice.default('union'),
    phones: ZListChoice.default('union'),
    tags: ZListChoice.default('union'),
    subjectCategories: ZListChoice.default('union'),
    companies: ZListChoice.default('union'),
  })
  .strict();
export type TMergeFields = z.output<typeof ZMergeFields>;

/**
 * Merges `mergedId` into `survivorId` in one transaction: every reference to the merged person
 * (deals, links, notes, tasks, ... anything the data map ties to a person) moves to the
 * survivor, the chosen values are kept, and the merged person is deleted for good (not to the
 * trash). The merge is logged with the merged record's previous values.
 */
export const ZMergeBody = z
  .object({
    survivorId: ZId,
    mergedId: ZId,
    fields: ZMergeFields.default(ZMergeFields.parse({})),
  })
  .strict()
  .refine((b) => b.survivorId !== b.mergedId, { path: ['mergedId'], error: 'must differ from survivorId' });
export type TMergeBody = z.input<typeof ZMergeBody>;

export const ZMergeResult = z.object({
  mergeId: ZId,
  person: ZPerson,
  /** Rows re-pointed to the survivor, per table (tables with none are left out). */
  moved: z.record(z.string(), z.number().int()),
});
export type TMergeResult = z.infer<typeof ZMergeResult>;

// Companies: GET /api/v1/companies/duplicates, POST /api/v1/companies/duplicates/dismiss,
// POST /api/v1/companies/merge.

/** Why two companies look like one: the same domain, the same organisation number, or the
 *  same name (case-insensitive). */
export const COMPANY_DUPLICATE_REASONS = ['domain', 'org_number', 'name'] as const;
export const ZCompanyDuplicateReason = z.enum(COMPANY_DUPLICATE_REASONS);
export type TCompanyDuplicateReason = z.infer<typeof ZCompanyDuplicateReason>;

/** A candidate pair of companies, the smaller id first; both live and visible to the caller. */
export const ZCompanyDuplicatePair = z.object({
  companies: z.tuple([ZCompany, ZCompany]),
  reasons: z.array(ZCompanyDuplicateReason),
});
export type TCompanyDuplicatePair = z.infer<typeof ZCompanyDuplicatePair>;

export const ZCompanyDuplicateList = z.object({
  items: z.array(ZCompanyDuplicatePair),
  nextCursor: z.string().nullable(),
});
export type TCompanyDuplicateList = z.infer<typeof ZCompanyDuplicateList>;

export const ZDismissCompanyDuplicateBody = z
  .object({ companyIds: z.tuple([ZId, ZId]) })
  .strict()
  .refine((b) => b.companyIds[0] !== b.companyIds[1], {
    path: ['companyIds'],
    error: 'must be two different companies',
  });
export type TDismissCompanyDuplicateBody = z.input<typeof ZDismissCompanyDuplicateBody>;

/** Fields of a company holding one value: keep the survivor's or take the merged company's.
 *  Tags are always the union; people, deals, notes, tasks, projects and files all move. */
export const COMPANY_MERGE_FIELDS = [
  'name',
  'domain',
  'orgNumber',
  'address',
  'industry',
  'size',
  'ownerId',
  'visibility',
] as const;

export const ZCompanyMergeFields = z
  .object(
    Object.fromEntries(COMPANY_MERGE_FIELDS.map((f) => [f, ZValueChoice.default('survivor')])) as Record<
      (typeof COMPANY_MERGE_FIELDS)[number],
      z.ZodDefault<typeof ZValueChoice>
    >,
  )
  .strict();
export type TCompanyMergeFields = z.output<typeof ZCompanyMergeFields>;

/** Merges `mergedId` into `survivorId` in one transaction: every reference to the merged
 *  company moves to the survivor, the chosen values are kept, the merged company is deleted
 *  for good (not to the trash), and the merge is logged with its previous values. */
export const ZCompanyMergeBody = z
  .object({
    survivorId: ZId,
    mergedId: ZId,
    fields: ZCompanyMergeFields.default(ZCompanyMergeFields.parse({})),
  })
  .strict()
  .refine((b) => b.survivorId !== b.mergedId, { path: ['mergedId'], error: 'must differ from survivorId' });
export type TCompanyMergeBody = z.input<typeof ZCompanyMergeBody>;

export const ZCompanyMergeResult = z.object({
  mergeId: ZId,
  company: ZCompany,
  moved: z.record(z.string(), z.number().int()),
});
export type TCompanyMergeResult = z.infer<typeof ZCompanyMergeResult>;
