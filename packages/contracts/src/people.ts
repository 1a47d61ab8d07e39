// Zod schemas of the CRM records API: people, companies, their links and the trash.
// Shared by server and web. Every input object refuses unknown keys (422 naming the key).
import { z } from 'zod';
import { ZCustomFieldValues, ZCustomFieldValuesInput, ZCustomSort, ZFilterParam } from './custom-fields.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

const text = (max: number, min = 0) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(min, { error: min > 0 ? 'must not be empty' : 'is too short' })
    .max(max, { error: `must be at most ${max} characters` });
const nullableText = (max: number) =>
  text(max)
    .nullable()
    .transform((s) => (s === '' ? null : s));

// Shared pieces

export const RECORD_VISIBILITIES = ['private', 'team', 'workspace'] as const;
/** private: the owner (and workspace admins and owners); team: members of `teamId`; workspace: everyone. */
export const ZRecordVisibility = z.enum(RECORD_VISIBILITIES, {
  error: `must be one of ${RECORD_VISIBILITIES.join(', ')}`,
});
export type TRecordVisibility = z.infer<typeof ZRecordVisibility>;

/** Categories of data subject (promise P-LB-2). */
export const SUBJECT_CATEGORIES = [
  'employee',
  'client',
  'prospect',
  'supplier',
  'collaborator',
  'job_applicant',
  'newsletter_subscriber',
  'correspondent',
  'site_visitor',
] as const;
export const ZSubjectCategory = z.enum(SUBJECT_CATEGORIES, {
  error: `must be one of ${SUBJECT_CATEGORIES.join(', ')}`,
});
export type TSubjectCategory = z.infer<typeof ZSubjectCategory>;

/** Where a person came from: manual | import | api | form | sync:<provider>. */
export const ZPersonSource = z
  .string({ error: 'must be a string' })
  .regex(/^(manual|import|api|form|sync:[a-z0-9][a-z0-9_-]{0,39})$/, {
    error: 'must be manual, import, api, form or sync:<provider>',
  });
export type TPersonSource = z.infer<typeof ZPersonSource>;

/** A tag: trimmed, 1 to 50 characters. Lists of tags are de-duplicated by the server, case kept. */
export const ZTag = text(50, 1);
const ZTags = z.array(ZTag, { error: 'must be a list of tags' }).max(50, { error: 'must have at most 50 tags' });

export const ZAddress = z.object({
  street: z.string().nullable(),
  state: z.string().nullable(),
  postalCode: z.string().nullable(),
  city: z.string().nullable(),
  /** ISO 3166-1 alpha-2. */
  country: z.string().nullable(),
});
export type TAddress = z.infer<typeof ZAddress>;

/** Every part optional; null or '' clears it. On PATCH an address replaces only the parts given. */
export const ZAddressInput = z
  .object({
    street: nullableText(200).optional(),
    state: nullableText(100).optional(),
    postalCode: nullableText(20).optional(),
    city: nullableText(100).optional(),
    country: z
      .string({ error: 'must be a two-letter country code' })
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166 two-letter country code' })
      .nullable()
      .optional(),
  })
  .strict();
export type TAddressInput = z.infer<typeof ZAddressInput>;

// People

export const EMAIL_TYPES = ['work', 'home', 'other'] as const;
export const ZEmailType = z.enum(EMAIL_TYPES, { error: `must be one of ${EMAIL_TYPES.join(', ')}` });
export const PHONE_TYPES = ['work', 'mobile', 'home', 'other'] as const;
export const ZPhoneType = z.enum(PHONE_TYPES, { error: `must be one of ${PHONE_TYPES.join(', ')}` });

export const ZPersonEmail = z.object({ value: z.string(), type: ZEmailType, primary: z.boolean() });
export type TPersonEmail = z.infer<typeof ZPersonEmail>;
/** `value` is E.164 (+4722334455). */
export const ZPersonPhone = z.object({ value: z.string(), type: ZPhoneType, primary: z.boolean() });
export type TPersonPhone = z.infer<typeof ZPersonPhone>;

/** Trimmed and lower-cased. */
export const ZPersonEmailValue = z
  .string({ error: 'must be a string' })
  .trim()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'is not a valid email address' }))
  .transform((e) => e.toLowerCase());

/** As typed: the server normalises it to E.164 with the workspace's country as the default,
 *  and answers 422 on `phones.<i>.value` when it cannot. */
export const ZPersonPhoneValue = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(40, { error: 'must be at most 40 characters' })
  .regex(/^[+0-9 ()./-]+$/, { error: 'may hold only digits, spaces, + ( ) . / -' });

export const ZPersonEmailInput = z
  .object({ value: ZPersonEmailValue, type: ZEmailType.default('work'), primary: z.boolean().default(false) })
  .strict();
export const ZPersonPhoneInput = z
  .object({ value: ZPersonPhoneValue, type: ZPhoneType.default('mobile'), primary: z.boolean().default(false) })
  .strict();

/** At most one primary; when none is marked the first one is primary. The same email twice
 *  on one person is refused (422); the same email on two people is allowed (merged later). */
const ZEmailList = z
  .array(ZPersonEmailInput, { error: 'must be a list' })
  .max(20, { error: 'must have at most 20 emails' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((e, i) => {
      if (seen.has(e.value)) ctx.addIssue({ code: 'custom', path: [i, 'value'], message: 'is listed twice' });
      seen.add(e.value);
    });
    if (list.filter((e) => e.primary).length > 1)
      ctx.addIssue({ code: 'custom', path: [], message: 'may have only one primary email' });
  });
const ZPhoneList = z
  .array(ZPersonPhoneInput, { error: 'must be a list' })
  .max(20, { error: 'must have at most 20 phones' })
  .superRefine((list, ctx) => {
    if (list.filter((p) => p.primary).length > 1)
      ctx.addIssue({ code: 'custom', path: [], message: 'may have only one primary phone' });
  });

export const ZPersonCompany = z.object({ companyId: ZId, name: z.string(), role: z.string().nullable() });
export type TPersonCompany = z.infer<typeof ZPersonCompany>;

export const ZPerson = z.object({
  id: ZId,
  firstName: z.string(),
  /** '' when unknown. */
  lastName: z.string(),
  emails: z.array(ZPersonEmail),
  phones: z.array(ZPersonPhone),
  address: ZAddress,
  title: z.string().nullable(),
  /** Only the companies the caller can see. */
  companies: z.array(ZPersonCompany),
  /** null once the owner's account is deleted (then only admins see a private record). */
  ownerId: ZId.nullable(),
  tags: z.array(z.string()),
  subjectCategories: z.array(ZSubjectCategory),
  source: ZPersonSource,
  visibility: ZRecordVisibility,
  /** Set when visibility is 'team', null otherwise. */
  teamId: ZId.nullable(),
  /** The square thumbnail of the person's photo (P-CRM-1), or null. */
  photoUrl: z.string().nullable().optional(),
  /** Values of the workspace's custom fields of people, by key; fields without a value are left out. */
  customFields: ZCustomFieldValues,
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  /** Set while the person is in the trash. */
  deletedAt: ZTimestamp.nullable(),
});
export type TPerson = z.infer<typeof ZPerson>;

export const ZPersonRole = nullableText(100);

const ZSubjectCategories = z
  .array(ZSubjectCategory, { error: 'must be a list' })
  .min(1, { error: 'must name at least one category of data subject' })
  .max(SUBJECT_CATEGORIES.length)
  .transform((l) => [...new Set(l)]);

export const ZCreatePersonBody = z
  .object({
    firstName: text(100, 1),
    lastName: text(100).default(''),
    emails: ZEmailList.default([]),
    phones: ZPhoneList.default([]),
    address: ZAddressInput.optional(),
    title: nullableText(200).optional(),
    /** Links to create at once; each company must be visible to the caller. */
    companies: z
      .array(z.object({ companyId: ZId, role: ZPersonRole.optional() }).strict(), { error: 'must be a list' })
      .max(20)
      .default([]),
    /** Defaults to the caller. Must be a member of the workspace. */
    ownerId: ZId.optional(),
    tags: ZTags.default([]),
    /** At least one (P-LB-2). */
    subjectCategories: ZSubjectCategories,
    /** Defaults to 'manual'. */
    source: ZPersonSource.optional(),
    /** Defaults to 'workspace'. */
    visibility: ZRecordVisibility.optional(),
    /** Required when visibility is 'team'; the caller must belong to it unless admin. */
    teamId: ZId.nullable().optional(),
    /** `{ key: value }` of the workspace's custom fields of people (422 on `customFields.<key>`). */
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TCreatePersonBody = z.input<typeof ZCreatePersonBody>;

/** Every field optional. `emails`, `phones`, `tags` and `subjectCategories` replace the whole list.
 *  Company links change through /people/:id/companies. */
export const ZUpdatePersonBody = z
  .object({
    firstName: text(100, 1).optional(),
    lastName: text(100).optional(),
    emails: ZEmailList.optional(),
    phones: ZPhoneList.optional(),
    address: ZAddressInput.optional(),
    title: nullableText(200).optional(),
    ownerId: ZId.optional(),
    tags: ZTags.optional(),
    subjectCategories: ZSubjectCategories.optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
    /** Only the keys given change; null, '' or [] clears one. */
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TUpdatePersonBody = z.input<typeof ZUpdatePersonBody>;

export const ZPersonParams = z.object({ id: ZId }).strict();

export const ZLinkCompanyBody = z.object({ companyId: ZId, role: ZPersonRole.optional() }).strict();
export type TLinkCompanyBody = z.input<typeof ZLinkCompanyBody>;
export const ZPersonCompanyParams = z.object({ id: ZId, companyId: ZId }).strict();

// Lists (keyset pagination: pass `nextCursor` back as `after`; null when there is no more)

export const LIST_SORTS = ['name', 'createdAt', 'updatedAt'] as const;
export const ZListSort = z.enum(LIST_SORTS, { error: `must be one of ${LIST_SORTS.join(', ')}` });
/** A built-in sort, or `cf.<key>` for a custom field (records without a value come last). */
export const ZRecordSort = z.union([ZListSort, ZCustomSort], {
  error: `must be one of ${LIST_SORTS.join(', ')} or cf.<key> of a custom field`,
});
/** People also sort by these text fields (case-insensitive; no value sorts as empty, first in asc). */
export const PERSON_TEXT_SORTS = ['lastName', 'title', 'city', 'country'] as const;
/** `owner`: by the owner's display name (case-insensitive), then owner id, then record id;
 *  records without an owner come last in both directions (like a custom field without a value). */
export const PERSON_SORTS = [...LIST_SORTS, ...PERSON_TEXT_SORTS, 'owner'] as const;
export const ZPersonSort = z.union([z.enum(PERSON_SORTS), ZCustomSort], {
  error: `must be one of ${PERSON_SORTS.join(', ')} or cf.<key> of a custom field`,
});
export const COMPANY_TEXT_SORTS = ['domain', 'industry', 'city', 'country', 'orgNumber'] as const;
/** `size` by the range, smallest first (1-10 ... 5001+); no size before the smallest in asc
 *  (after the largest in desc). `owner` as for people. */
export const COMPANY_SORTS = [...LIST_SORTS, ...COMPANY_TEXT_SORTS, 'size', 'owner'] as const;
export const ZCompanySort = z.union([z.enum(COMPANY_SORTS), ZCustomSort], {
  error: `must be one of ${COMPANY_SORTS.join(', ')} or cf.<key> of a custom field`,
});
export const ZListDir = z.enum(['asc', 'desc'], { error: 'must be asc or desc' });
const ZLimit = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(200, { error: 'must be at most 200' })
  .default(50);
const ZCursor = z.string().min(1).max(500, { error: 'is not a cursor from this list' });
const ZInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** Sort 'name' is by first name, then last name, case-insensitive; ties always break on id. */
export const ZPersonListQuery = z
  .object({
    /** Prefix of the first name, last name, full name or any email. */
    q: text(100, 1).optional(),
    tag: ZTag.optional(),
    ownerId: ZId.optional(),
    subjectCategory: ZSubjectCategory.optional(),
    companyId: ZId.optional(),
    createdAfter: ZInstant.optional(),
    createdBefore: ZInstant.optional(),
    /** Repeated `field:op:value` (docs/api.md, "Table views"), all of them must match. */
    filter: ZFilterParam.optional(),
    sort: ZPersonSort.default('name'),
    dir: ZListDir.default('asc'),
    /** Opaque; only valid with the same sort and dir. */
    after: ZCursor.optional(),
    limit: ZLimit,
  })
  .strict();
export type TPersonListQuery = z.input<typeof ZPersonListQuery>;

export const ZPersonList = z.object({ items: z.array(ZPerson), nextCursor: z.string().nullable() });
export type TPersonList = z.infer<typeof ZPersonList>;

// Companies

export const COMPANY_SIZES = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001+'] as const;
export const ZCompanySize = z.enum(COMPANY_SIZES, { error: `must be one of ${COMPANY_SIZES.join(', ')}` });
export type TCompanySize = z.infer<typeof ZCompanySize>;

/** A host name like example.com (lower-cased; a pasted URL's scheme and path are dropped). */
export const ZDomain = z
  .string({ error: 'must be a string' })
  .trim()
  .max(253, { error: 'must be at most 253 characters' })
  .transform((s) =>
    s
      .toLowerCase()
      .replace(/^[a-z]+:\/\//, '')
      .replace(/[/?#].*$/, '')
      .replace(/^www\./, ''),
  )
  .pipe(
    z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/, {
      error: 'must be a domain like example.com',
    }),
  );

export const ZCompany = z.object({
  id: ZId,
  name: z.string(),
  domain: z.string().nullable(),
  orgNumber: z.string().nullable(),
  address: ZAddress,
  industry: z.string().nullable(),
  size: ZCompanySize.nullable(),
  ownerId: ZId.nullable(),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  tags: z.array(z.string()),
  /** Values of the workspace's custom fields of companies, by key. */
  customFields: ZCustomFieldValues,
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TCompany = z.infer<typeof ZCompany>;

export const ZCreateCompanyBody = z
  .object({
    name: text(200, 1),
    domain: ZDomain.nullable().optional(),
    orgNumber: nullableText(50).optional(),
    address: ZAddressInput.optional(),
    industry: nullableText(100).optional(),
    size: ZCompanySize.nullable().optional(),
    ownerId: ZId.optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
    tags: ZTags.default([]),
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TCreateCompanyBody = z.input<typeof ZCreateCompanyBody>;

export const ZUpdateCompanyBody = z
  .object({
    name: text(200, 1).optional(),
    domain: ZDomain.nullable().optional(),
    orgNumber: nullableText(50).optional(),
    address: ZAddressInput.optional(),
    industry: nullableText(100).optional(),
    size: ZCompanySize.nullable().optional(),
    ownerId: ZId.optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
    tags: ZTags.optional(),
    customFields: ZCustomFieldValuesInput.optional(),
  })
  .strict();
export type TUpdateCompanyBody = z.input<typeof ZUpdateCompanyBody>;

export const ZCompanyParams = z.object({ id: ZId }).strict();

/** Sort 'name' is case-insensitive; ties break on id. */
export const ZCompanyListQuery = z
  .object({
    /** Prefix of the name or the domain. */
    q: text(100, 1).optional(),
    tag: ZTag.optional(),
    ownerId: ZId.optional(),
    createdAfter: ZInstant.optional(),
    createdBefore: ZInstant.optional(),
    filter: ZFilterParam.optional(),
    sort: ZCompanySort.default('name'),
    dir: ZListDir.default('asc'),
    after: ZCursor.optional(),
    limit: ZLimit,
  })
  .strict();
export type TCompanyListQuery = z.input<typeof ZCompanyListQuery>;

export const ZCompanyList = z.object({ items: z.array(ZCompany), nextCursor: z.string().nullable() });
export type TCompanyList = z.infer<typeof ZCompanyList>;

// Trash (P-ACC-4): deleted records stay 30 days, then a daily job purges them for good.

export const TRASH_KINDS = ['person', 'company', 'deal', 'task', 'project', 'file', 'note'] as const;
export const ZTrashKind = z.enum(TRASH_KINDS, { error: `must be one of ${TRASH_KINDS.join(', ')}` });
export type TTrashKind = z.infer<typeof ZTrashKind>;

export const ZTrashItem = z.object({
  kind: ZTrashKind,
  id: ZId,
  /** Display name: "First Last", the company, deal or project name, the task title, the file name or the start of a note. */
  name: z.string(),
  deletedAt: ZTimestamp,
  /** When the purge job deletes it for good (deletedAt + 30 days). */
  purgeAfter: ZTimestamp,
});
export type TTrashItem = z.infer<typeof ZTrashItem>;

/** Newest deletion first. */
export const ZTrashListQuery = z
  .object({ kind: ZTrashKind.optional(), after: ZCursor.optional(), limit: ZLimit })
  .strict();
export type TTrashListQuery = z.input<typeof ZTrashListQuery>;
export const ZTrashList = z.object({ items: z.array(ZTrashItem), nextCursor: z.string().nullable() });
export type TTrashList = z.infer<typeof ZTrashList>;

/** POST /api/v1/trash/:kind/:id/restore answers with the restored person, company or deal. */
export const ZTrashParams = z.object({ kind: ZTrashKind, id: ZId }).strict();

/** DELETE /api/v1/people/:id and /companies/:id answer with the trash item. */
export const ZDeletedRecord = ZTrashItem;
