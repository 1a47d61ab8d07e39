import {
  formatFilterParam,
  parseFilterParam,
  type TCustomField,
  type TCustomFieldValue,
  type TFilterOp,
  type TViewFilter,
} from '@tillit/contracts';

/**
 * The pure part of the table views: which operators a field takes, filters to and from the
 * `filter=field:op:value` strings of the address and the API, and a typed value from what
 * an inline editor holds. No React here, so that it is unit-tested on its own.
 */

/** What a filterable field is, for the filter builder: a built-in column or a custom field. */
export type TFilterField = {
  id: string;
  label: string;
  kind: 'text' | 'number' | 'date' | 'timestamp' | 'boolean' | 'select' | 'multi_select' | 'url' | 'enum' | 'set';
  options?: readonly { value: string; label: string }[];
};

export const OPS_BY_KIND: Record<TFilterField['kind'], readonly TFilterOp[]> = {
  text: ['contains', 'eq', 'ne', 'prefix', 'empty', 'notempty'],
  url: ['contains', 'eq', 'ne', 'prefix', 'empty', 'notempty'],
  number: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'empty', 'notempty'],
  date: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'empty', 'notempty'],
  timestamp: ['eq', 'gt', 'gte', 'lt', 'lte'],
  boolean: ['eq', 'ne', 'empty', 'notempty'],
  select: ['eq', 'ne', 'empty', 'notempty'],
  multi_select: ['eq', 'ne', 'empty', 'notempty'],
  enum: ['eq', 'ne'],
  set: ['eq', 'ne', 'empty', 'notempty'],
};

/** Operators without a value. */
export const takesValue = (op: TFilterOp) => op !== 'empty' && op !== 'notempty';

/** A custom field as a filterable field (`cf.<key>`). */
export function customFilterField(f: TCustomField): TFilterField {
  return {
    id: `cf.${f.key}`,
    label: f.label,
    kind: f.type,
    ...(f.options.length ? { options: f.options.map((o) => ({ value: o, label: o })) } : {}),
  };
}

/** The filters of the address (strings), parsed; malformed ones are dropped. */
export function parseFilters(raw: readonly string[] | undefined): TViewFilter[] {
  return (raw ?? []).map(parseFilterParam).filter((f): f is TViewFilter => f !== null);
}

export function formatFilters(filters: readonly TViewFilter[]): string[] {
  return filters.map(formatFilterParam);
}

/** The value an inline editor or form input holds, as the API takes it for the field's type;
 *  null clears. Text that is not a number stays text so that the server names the problem. */
export function toFieldValue(field: Pick<TCustomField, 'type'>, raw: unknown): TCustomFieldValue | null {
  if (raw === null || raw === undefined) return null;
  switch (field.type) {
    case 'number': {
      if (typeof raw === 'number') return raw;
      const s = String(raw).trim().replace(',', '.');
      if (s === '') return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : String(raw);
    }
    case 'boolean':
      if (raw === '') return null;
      return raw === true || raw === 'true';
    case 'multi_select':
      return Array.isArray(raw) ? (raw as string[]) : [];
    default: {
      const s = String(raw);
      return s.trim() === '' ? null : s;
    }
  }
}

/** A value for display in a table cell. */
export function displayValue(value: TCustomFieldValue | undefined, yes: string, no: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'boolean') return value ? yes : no;
  return String(value);
}
