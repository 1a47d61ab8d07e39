// Zod schemas of custom fields (definitions per workspace and object, values on records) and
// of saved table views. Shared by server and web. Every input object refuses unknown keys.
import { z } from 'zod';

const ZId = z.uuid({ error: 'must be a UUID' });

export const CUSTOM_FIELD_OBJECTS = ['person', 'company', 'deal'] as const;
export const ZCustomFieldObject = z.enum(CUSTOM_FIELD_OBJECTS, {
  error: `must be one of ${CUSTOM_FIELD_OBJECTS.join(', ')}`,
});
export type TCustomFieldObject = z.infer<typeof ZCustomFieldObject>;

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'select', 'multi_select', 'boolean', 'url'] as const;
export const ZCustomFieldType = z.enum(CUSTOM_FIELD_TYPES, {
  error: `must be one of ${CUSTOM_FIELD_TYPES.join(', ')}`,
});
export type TCustomFieldType = z.infer<typeof ZCustomFieldType>;

/** Lower-case letters, digits and _, starting with a letter: it names the field in the API
 *  (`customFields.<key>`), in exports (`cf.<key>`) and in filters (`cf.<key>:eq:...`). */
export const ZCustomFieldKey = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z][a-z0-9_]{0,39}$/, { error: 'must be 1-40 lower-case letters, digits or _, starting with a letter' });

/** A data category of the data map (a dotted key such as user.contact or user.demographic). */
export const ZDataCategoryKey = z
  .string({ error: 'must be a string' })
  .regex(/^(user|system)(\.[a-z_]+)*$/, { error: 'must be a data category key such as user.contact' });

const ZOption = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' });
const ZOptions = z
  .array(ZOption, { error: 'must be a list' })
  .max(200, { error: 'must have at most 200 options' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((o, i) => {
      if (seen.has(o)) ctx.addIssue({ code: 'custom', path: [i], message: 'is listed twice' });
      seen.add(o);
    });
  });

export const TEXT_VALUE_MAX = 1000;

export const ZCustomField = z.object({
  id: ZId,
  object: ZCustomFieldObject,
  key: z.string(),
  label: z.string(),
  type: ZCustomFieldType,
  /** The choices of select and multi_select (in order); [] for other types. */
  options: z.array(z.string()),
  position: z.number().int(),
  /** Declared when created: whether its values are personal data, and their category. */
  personal: z.boolean(),
  category: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TCustomField = z.infer<typeof ZCustomField>;

const ZLabel = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' });
const ZPosition = z.number({ error: 'must be a number' }).int({ error: 'must be a whole number' }).min(0).max(10000);

export const ZCreateCustomFieldBody = z
  .object({
    object: ZCustomFieldObject,
    key: ZCustomFieldKey,
    label: ZLabel,
    type: ZCustomFieldType,
    options: ZOptions.default([]),
    /** Defaults to after the last field of the object. */
    position: ZPosition.optional(),
    /** Required: every field is declared in the data map as personal or not when created. */
    personal: z.boolean({ error: 'must be true or false (is this personal data?)' }),
    /** Required when personal. */
    category: ZDataCategoryKey.nullable().optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const select = b.type === 'select' || b.type === 'multi_select';
    if (select && b.options.length === 0)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'must list at least one option' });
    if (!select && b.options.length > 0)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only select and multi_select fields have options' });
    if (b.personal && !b.category)
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'is required when the field is personal' });
    if (!b.personal && b.category)
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'only personal fields have a category' });
  });
export type TCreateCustomFieldBody = z.input<typeof ZCreateCustomFieldBody>;

/** The key, object and type never change (values are stored by type). Removing an option
 *  removes it from every record; changing `personal` re-declares the field in the data map. */
export const ZUpdateCustomFieldBody = z
  .object({
    label: ZLabel.optional(),
    options: ZOptions.optional(),
    position: ZPosition.optional(),
    personal: z.boolean({ error: 'must be true or false' }).optional(),
    category: ZDataCategoryKey.nullable().optional(),
  })
  .strict();
export type TUpdateCustomFieldBody = z.input<typeof ZUpdateCustomFieldBody>;

export const ZCustomFieldParams = z.object({ id: ZId }).strict();
export const ZCustomFieldListQuery = z.object({ object: ZCustomFieldObject.optional() }).strict();
export const ZCustomFieldList = z.object({ items: z.array(ZCustomField) });
export type TCustomFieldList = z.infer<typeof ZCustomFieldList>;

/** A value as the API returns it: text, url, select and date (YYYY-MM-DD) as strings,
 *  number, boolean, multi_select as a list of options. Fields without a value are left out. */
export const ZCustomFieldValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
export type TCustomFieldValue = z.infer<typeof ZCustomFieldValue>;
export const ZCustomFieldValues = z.record(z.string(), ZCustomFieldValue);
export type TCustomFieldValues = z.infer<typeof ZCustomFieldValues>;

/** On create and update: `{ key: value }`; null (or '' or []) clears a field. Checked by the
 *  server against the workspace's definitions: 422 naming `customFields.<key>`. */
export const ZCustomFieldValuesInput = z.record(z.string(), z.unknown(), { error: 'must be an object of key: value' });

// Table views: filters, sorts and saved views

export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'contains', 'prefix', 'empty', 'notempty'] as const;
export const ZFilterOp = z.enum(FILTER_OPS, { error: `must be one of ${FILTER_OPS.join(', ')}` });
export type TFilterOp = z.infer<typeof ZFilterOp>;

/** One filter: a field (a built-in field name or `cf.<key>`), an operator, and a value
 *  (none for empty and notempty). */
export const ZViewFilter = z
  .object({
    field: z.string().min(1).max(60),
    op: ZFilterOp,
    value: z.string().max(TEXT_VALUE_MAX).default(''),
  })
  .strict();
export type TViewFilter = z.infer<typeof ZViewFilter>;

/** `field:op:value` as written in a list query's repeated `filter` parameter (the value may
 *  contain `:`). */
export function parseFilterParam(raw: string): TViewFilter | null {
  const a = raw.indexOf(':');
  if (a < 1) return null;
  const b = raw.indexOf(':', a + 1);
  const field = raw.slice(0, a);
  const op = b < 0 ? raw.slice(a + 1) : raw.slice(a + 1, b);
  const value = b < 0 ? '' : raw.slice(b + 1);
  const parsed = ZViewFilter.safeParse({ field, op, value });
  return parsed.success ? parsed.data : null;
}

export function formatFilterParam(f: TViewFilter): string {
  return `${f.field}:${f.op}:${f.value}`;
}

/** The repeated `filter` query parameter: one string or several, each `field:op:value`. */
export const ZFilterParam = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(
    z
      .array(
        z.string().refine((s) => parseFilterParam(s) !== null, {
          error: `must be field:op:value with op one of ${FILTER_OPS.join(', ')}`,
        }),
      )
      .max(20, { error: 'must have at most 20 filters' }),
  )
  .transform((list) => list.map((s) => parseFilterParam(s) as TViewFilter));

/** `cf.<key>`: sort a list by a custom field. */
export const ZCustomSort = z.templateLiteral(['cf.', z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)]);
export type TCustomSort = z.infer<typeof ZCustomSort>;
export const isCustomSort = (s: string): s is TCustomSort => s.startsWith('cf.');

export const ZViewSort = z.object({ field: z.string().min(1).max(60), dir: z.enum(['asc', 'desc']) }).strict();
export type TViewSort = z.infer<typeof ZViewSort>;

export const ZSavedView = z.object({
  id: ZId,
  object: ZCustomFieldObject,
  name: z.string(),
  /** Column ids in order: built-in field names and `cf.<key>`. */
  columns: z.array(z.string()),
  filters: z.array(ZViewFilter),
  sort: ZViewSort.nullable(),
  /** true: every member of the workspace sees it; false: only its owner. */
  shared: z.boolean(),
  ownerId: ZId.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TSavedView = z.infer<typeof ZSavedView>;

const ZViewName = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' });
const ZColumns = z.array(z.string().min(1).max(60), { error: 'must be a list of columns' }).max(100);
const ZFilters = z.array(ZViewFilter, { error: 'must be a list of filters' }).max(20);

export const ZCreateSavedViewBody = z
  .object({
    object: ZCustomFieldObject,
    name: ZViewName,
    columns: ZColumns.default([]),
    filters: ZFilters.default([]),
    sort: ZViewSort.nullable().default(null),
    shared: z.boolean().default(false),
  })
  .strict();
export type TCreateSavedViewBody = z.input<typeof ZCreateSavedViewBody>;

export const ZUpdateSavedViewBody = z
  .object({
    name: ZViewName.optional(),
    columns: ZColumns.optional(),
    filters: ZFilters.optional(),
    sort: ZViewSort.nullable().optional(),
    shared: z.boolean().optional(),
  })
  .strict();
export type TUpdateSavedViewBody = z.input<typeof ZUpdateSavedViewBody>;

export const ZSavedViewParams = z.object({ id: ZId }).strict();
export const ZSavedViewListQuery = z.object({ object: ZCustomFieldObject }).strict();
export const ZSavedViewList = z.object({ items: z.array(ZSavedView) });
export type TSavedViewList = z.infer<typeof ZSavedViewList>;
