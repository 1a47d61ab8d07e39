// Zod schemas of the import API (P-CRM-10): upload a CSV or vCard file, preview it with a
// suggested mapping, run (or dry-run) an import as a job, follow its progress, download
// the report of refused rows, undo it. Shared by server and web.
import { z } from 'zod';
import { SUBJECT_CATEGORIES, ZRecordVisibility, ZSubjectCategory, ZTag } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

export const IMPORT_FORMATS = ['csv', 'vcard'] as const;
export const ZImportFormat = z.enum(IMPORT_FORMATS, { error: `must be one of ${IMPORT_FORMATS.join(', ')}` });
export type TImportFormat = z.infer<typeof ZImportFormat>;

/** Encodings a file may be read as. Found at upload (UTF-8 when every byte is valid UTF-8, a
 *  BOM names UTF-16, otherwise windows-1252); the member may choose another. */
export const IMPORT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-15'] as const;
export const ZImportEncoding = z.enum(IMPORT_ENCODINGS, {
  error: `must be one of ${IMPORT_ENCODINGS.join(', ')}`,
});
export type TImportEncoding = z.infer<typeof ZImportEncoding>;

/**
 * What a column of the file becomes. `email` and `phone` (and their typed forms) and `tags`
 * may be given to several columns; every other field to one column at most. `fullName` is
 * split into first and last name when those are not mapped. `company` is found by name (or
 * by `companyDomain`) among the workspace's companies, or created.
 */
export const IMPORT_FIELDS = [
  'firstName',
  'lastName',
  'fullName',
  'email',
  'email.home',
  'email.other',
  'phone',
  'phone.work',
  'phone.home',
  'phone.other',
  'title',
  'company',
  'companyDomain',
  'street',
  'postalCode',
  'city',
  'state',
  'country',
  'tags',
  'subjectCategories',
] as const;
export const ZImportField = z.enum(IMPORT_FIELDS, { error: 'is not a field people can be imported into' });
export type TImportField = z.infer<typeof ZImportField>;
export const REPEATABLE_IMPORT_FIELDS: ReadonlySet<TImportField> = new Set([
  'email',
  'email.home',
  'email.other',
  'phone',
  'phone.work',
  'phone.home',
  'phone.other',
  'tags',
]);

/** A custom field of people as a target: `cf.<key>` (the server checks the key against the
 *  workspace's fields: 422 naming `mapping.<column index>`). Each goes to one column at most. */
export const ZImportCustomFieldTarget = z.string().regex(/^cf\.[a-z][a-z0-9_]{0,39}$/, {
  error: 'is not a field people can be imported into',
}) as unknown as z.ZodType<`cf.${string}`>;
/** A custom field of the company the row names (its `company` or `companyDomain` column):
 *  `company.cf.<key>`; the server checks the key against the workspace's fields of companies. */
export const ZImportCompanyFieldTarget = z.string().regex(/^company\.cf\.[a-z][a-z0-9_]{0,39}$/, {
  error: 'is not a field people can be imported into',
}) as unknown as z.ZodType<`company.cf.${string}`>;
/** What a column can fill: a field of IMPORT_FIELDS, `cf.<key>` for a custom field of people,
 *  or `company.cf.<key>` for a custom field of the row's company. */
export const ZImportTarget = z.union([ZImportField, ZImportCustomFieldTarget, ZImportCompanyFieldTarget], {
  error: 'is not a field people can be imported into',
});
export type TImportTarget = TImportField | `cf.${string}` | `company.cf.${string}`;
export const isCustomFieldTarget = (t: string | null | undefined): t is `cf.${string}` =>
  typeof t === 'string' && t.startsWith('cf.');
export const isCompanyFieldTarget = (t: string | null | undefined): t is `company.cf.${string}` =>
  typeof t === 'string' && t.startsWith('company.cf.');

/**
 * vCard properties the mapping step offers (besides the ones that map themselves: N, FN,
 * EMAIL, TEL, TITLE, ORG, CATEGORIES, ADR): every extension property (`X-…`, e.g.
 * X-LINKEDIN or X-TILLIT-<key>) and these standard ones.
 */
export const VCARD_MAPPABLE_PROPERTIES = [
  'NOTE',
  'BDAY',
  'ANNIVERSARY',
  'URL',
  'NICKNAME',
  'ROLE',
  'GENDER',
  'IMPP',
  'LANG',
  'TZ',
] as const;
const VCARD_MAPPABLE = new Set<string>(VCARD_MAPPABLE_PROPERTIES);
export const isMappableVcardProperty = (name: string): boolean =>
  VCARD_MAPPABLE.has(name) || /^X-[A-Z0-9-]{1,60}$/.test(name);
/** A vCard property's target: a custom field of people or of the card's company (ORG). */
export const ZVcardPropertyTarget = z.union([ZImportCustomFieldTarget, ZImportCompanyFieldTarget], {
  error: 'must be cf.<key> or company.cf.<key>',
});
/** vCard only: property name (upper case) to the custom field it fills; null leaves it out. */
export const ZVcardProperties = z
  .record(
    z.string().refine(isMappableVcardProperty, {
      error: `must be an X- property or one of ${VCARD_MAPPABLE_PROPERTIES.join(', ')}`,
    }),
    ZVcardPropertyTarget.nullable(),
    { error: 'must map property names to cf.<key> or company.cf.<key>' },
  )
  .superRefine((map, ctx) => {
    const keys = Object.keys(map);
    if (keys.length > 200) ctx.addIssue({ code: 'custom', message: 'must name at most 200 properties' });
    const seen = new Set<string>();
    for (const k of keys) {
      const f = map[k];
      if (!f) continue;
      if (seen.has(f))
        ctx.addIssue({ code: 'custom', path: [k], message: `${f} is already given to another property` });
      seen.add(f);
    }
  });
export type TVcardProperties = z.infer<typeof ZVcardProperties>;

/** One entry per column of the file, in order: the field it fills, or null to leave it out. */
export const ZImportMapping = z
  .array(ZImportTarget.nullable(), { error: 'must be a list with one field (or null) per column' })
  .max(10_000, { error: 'must have at most 10000 columns' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((f, i) => {
      if (!f || REPEATABLE_IMPORT_FIELDS.has(f as TImportField)) return;
      if (seen.has(f)) ctx.addIssue({ code: 'custom', path: [i], message: `${f} is already given to another column` });
      seen.add(f);
    });
  });
export type TImportMapping = z.infer<typeof ZImportMapping>;

export const IMPORT_PRESETS = ['google', 'outlook', 'hubspot'] as const;
export const ZImportPreset = z.enum(IMPORT_PRESETS, { error: `must be one of ${IMPORT_PRESETS.join(', ')}` });
export type TImportPreset = z.infer<typeof ZImportPreset>;

/** What to do with a row whose email or phone is already on a person (in the workspace or
 *  earlier in the same file): leave it, update that person, or create another person. */
export const DUPLICATE_MODES = ['skip', 'update', 'create'] as const;
export const ZDuplicateMode = z.enum(DUPLICATE_MODES, { error: `must be one of ${DUPLICATE_MODES.join(', ')}` });
export type TDuplicateMode = z.infer<typeof ZDuplicateMode>;

export const ZImportDefaults = z
  .object({
    /** Defaults to 'workspace'. */
    visibility: ZRecordVisibility.default('workspace'),
    /** Required when visibility is 'team'. */
    teamId: ZId.nullable().optional(),
    /** Added to every imported person (besides a mapped tags column). */
    tags: z.array(ZTag, { error: 'must be a list of tags' }).max(20).default([]),
    /** Given to every person whose row names none (P-LB-2: at least one). */
    subjectCategories: z
      .array(ZSubjectCategory, { error: 'must be a list' })
      .min(1, { error: 'must name at least one category of data subject' })
      .max(SUBJECT_CATEGORIES.length),
  })
  .strict();
export type TImportDefaults = z.input<typeof ZImportDefaults>;

export const ZCreateImportBody = z
  .object({
    fileId: ZId,
    /** Required for CSV (one entry per column); vCard properties map themselves. */
    mapping: ZImportMapping.optional(),
    /** vCard only: X- properties and NOTE, BDAY, URL, ... to custom fields (`cf.<key>`) of
     *  people or (`company.cf.<key>`) of the card's company. */
    properties: ZVcardProperties.optional(),
    duplicates: ZDuplicateMode,
    /** Reads and checks the whole file, counts what would happen, writes no person. */
    dryRun: z.boolean({ error: 'must be true or false' }).default(false),
    /** Overrides the encoding found at upload. */
    encoding: ZImportEncoding.optional(),
    defaults: ZImportDefaults,
  })
  .strict();
export type TCreateImportBody = z.input<typeof ZCreateImportBody>;

export const ZImportUploadQuery = z
  .object({
    name: z
      .string({ error: 'must be a file name' })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(255, { error: 'must be at most 255 characters' }),
  })
  .strict();

export const ZImportFile = z.object({
  id: ZId,
  name: z.string(),
  sizeBytes: z.number(),
  format: ZImportFormat,
  encoding: ZImportEncoding,
  createdAt: ZTimestamp,
});
export type TImportFile = z.infer<typeof ZImportFile>;

export const ZImportFileParams = z.object({ id: ZId }).strict();
/** `preset` maps the columns by that export's header names instead of the one detected. */
export const ZImportPreviewQuery = z
  .object({ encoding: ZImportEncoding.optional(), preset: ZImportPreset.optional() })
  .strict();

export const ZImportPreview = z.object({
  file: ZImportFile,
  encoding: ZImportEncoding,
  /** CSV only: the separator found in the header (',' ';' or tab). */
  delimiter: z.string().nullable(),
  /** CSV: the header row; vCard: the properties found in the first cards. */
  headers: z.array(z.string()),
  /** The first rows (CSV) or cards (vCard, as one value per header). */
  rows: z.array(z.array(z.string())),
  /** The preset whose header names the file uses, if any. */
  preset: ZImportPreset.nullable(),
  /** One entry per header (`cf.<key>` when a header equals a custom field's label or key). */
  suggestedMapping: z.array(ZImportTarget.nullable()),
  /** vCard only: the headers that are properties to map (X-…, NOTE, BDAY, URL, …), found in
   *  the first cards; the other headers are fields the card's properties fill by themselves. */
  properties: z.array(z.string()),
});
export type TImportPreview = z.infer<typeof ZImportPreview>;

export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed', 'undoing', 'undone'] as const;
export const ZImportStatus = z.enum(IMPORT_STATUSES);
export type TImportStatus = z.infer<typeof ZImportStatus>;

export const ZImportProblem = z.object({ row: z.number(), field: z.string(), problem: z.string() });
export type TImportProblem = z.infer<typeof ZImportProblem>;

export const ZImport = z.object({
  id: ZId,
  file: ZImportFile,
  status: ZImportStatus,
  dryRun: z.boolean(),
  duplicates: ZDuplicateMode,
  encoding: ZImportEncoding,
  /** Records (rows or cards) handled so far. */
  rowsRead: z.number(),
  created: z.number(),
  updated: z.number(),
  skipped: z.number(),
  failed: z.number(),
  companiesCreated: z.number(),
  bytesRead: z.number(),
  /** 0 to 1, by bytes of the file read. */
  progress: z.number(),
  /** Why the whole import stopped, when it failed. */
  error: z.string().nullable(),
  /** The first problems found (the report has them all). */
  problems: z.array(ZImportProblem),
  canUndo: z.boolean(),
  /** Whether the global search finds the records this import wrote yet: their search
   *  postings are written by a background job once the batches are done (decision 0009);
   *  until then the lists and filters find them, the search does not. `done` also when
   *  there is nothing to index (a dry run, an undone import). */
  searchIndex: z.enum(['pending', 'done']),
  createdAt: ZTimestamp,
  startedAt: ZTimestamp.nullable(),
  finishedAt: ZTimestamp.nullable(),
  undoneAt: ZTimestamp.nullable(),
});
export type TImport = z.infer<typeof ZImport>;

export const ZImportParams = z.object({ id: ZId }).strict();
export const ZImportListQuery = z
  .object({
    after: z.string().min(1).max(500, { error: 'is not a cursor from this list' }).optional(),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(100, { error: 'must be at most 100' })
      .default(20),
  })
  .strict();
export type TImportListQuery = z.input<typeof ZImportListQuery>;
export const ZImportList = z.object({ items: z.array(ZImport), nextCursor: z.string().nullable() });
export type TImportList = z.infer<typeof ZImportList>;
