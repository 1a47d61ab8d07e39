import {
  COUNTRY_CODE_LIST,
  COUNTRY_CODES,
  SUBJECT_CATEGORIES,
  type TImportField,
  type TImportMapping,
  type TImportTarget,
  type TSubjectCategory,
  ZCreatePersonBody,
  ZDomain,
} from '@tillit/contracts';
import type { z } from 'zod';
import { type CheckedValues, checkValue, type FieldRow } from '../custom-fields/custom-fields.service.ts';
import { normalisePhone } from '../people/people.phone.ts';

/** One value of a record, the field it fills and the column (or vCard property) it came from. */
export type SourceValue = { field: TImportTarget; value: string; column: string };
export type RowProblem = { field: string; problem: string };
/** A record of the file (CSV row or vCard card), already mapped to fields. */
export type SourceRecord = {
  row: number;
  values: SourceValue[];
  problems: RowProblem[];
  bytes: number;
  /** The column each field comes from, to name it in a problem even when the cell is empty. */
  columns?: ReadonlyMap<TImportTarget, string>;
  /** vCard: the card's mappable properties (X-…, NOTE, BDAY, …), mapped or not (preview). */
  extras?: { name: string; value: string }[];
};

/** The first column of each mapped field, built once per file. */
export function columnsOf(headers: string[], mapping: TImportMapping): ReadonlyMap<TImportTarget, string> {
  const m = new Map<TImportTarget, string>();
  mapping.forEach((f, i) => {
    if (f && !m.has(f)) m.set(f, headers[i] ?? `column ${i + 1}`);
  });
  return m;
}

/** A CSV row through the mapping. Missing trailing values are empty (exports often drop
 *  them); values beyond the header are refused unless empty. */
export function mapCsvRecord(
  row: number,
  cells: string[],
  headers: string[],
  mapping: TImportMapping,
  bytes: number,
  columns?: ReadonlyMap<TImportTarget, string>,
): SourceRecord {
  const problems: RowProblem[] = [];
  if (cells.length > headers.length && cells.slice(headers.length).some((c) => c.trim() !== '')) {
    problems.push({
      field: 'columns',
      problem: `has ${cells.length} values where the header has ${headers.length} columns`,
    });
  }
  const values: SourceValue[] = [];
  for (let i = 0; i < mapping.length && i < cells.length; i++) {
    const field = mapping[i];
    const value = cells[i]?.trim() ?? '';
    if (field && value !== '') values.push({ field, value, column: headers[i] ?? `column ${i + 1}` });
  }
  return columns ? { row, values, problems, bytes, columns } : { row, values, problems, bytes };
}

// Countries by name: "Norway", "Norge", "United States" become NO and US. Names come from
// the runtime's own ICU data in English and Norwegian, so there is no table to keep.
const COUNTRY_BY_NAME: Map<string, string> = (() => {
  const m = new Map<string, string>();
  for (const locale of ['en', 'nb', 'nn', 'sv', 'da', 'de']) {
    let names: Intl.DisplayNames;
    try {
      names = new Intl.DisplayNames([locale], { type: 'region' });
    } catch {
      continue;
    }
    for (const code of COUNTRY_CODE_LIST) {
      const name = names.of(code);
      if (name && name !== code) m.set(name.toLowerCase(), code);
    }
  }
  for (const [alias, code] of [
    ['usa', 'US'],
    ['united states of america', 'US'],
    ['uk', 'GB'],
    ['england', 'GB'],
    ['great britain', 'GB'],
    ['scotland', 'GB'],
    ['wales', 'GB'],
  ] as const)
    m.set(alias, code);
  return m;
})();

export function countryCode(value: string): string | null {
  const v = value.trim();
  if (v.length === 2 && COUNTRY_CODES.has(v.toUpperCase())) return v.toUpperCase();
  return COUNTRY_BY_NAME.get(v.toLowerCase()) ?? null;
}

const CATEGORY_SET: ReadonlySet<string> = new Set(SUBJECT_CATEGORIES);

/** Google writes labels as "* myContacts ::: Friends"; others use ; or , between tags. */
function splitList(value: string): string[] {
  return value
    .split(/\s*(?::::|;|,)\s*/)
    .map((t) => t.replace(/^\*\s*/, '').trim())
    .filter((t) => t !== '' && t.toLowerCase() !== 'mycontacts');
}

export type Candidate = {
  row: number;
  bytes: number;
  /** Valid as a ZCreatePersonBody; phones already E.164. */
  person: z.output<typeof ZCreatePersonBody>;
  company: { name: string; domain: string | null } | null;
  /** Normalised emails and phones, the keys duplicates are found by. */
  keys: string[];
  /** Values of the mapped custom fields the row gives, checked (empty cells are not here). */
  custom: CheckedValues;
  /** Values of the company's mapped custom fields (`company.cf.<key>`), checked, with the
   *  column each came from (to name it in a warning). Only when the row names a company. */
  companyCustom: (CheckedValues[number] & { column: string })[];
};

export type CandidateOptions = {
  country: string;
  defaults: { tags: string[]; subjectCategories: TSubjectCategory[]; visibility: string; teamId?: string | null };
  /** The workspace's custom fields of people by key (those the mapping names). */
  customFields?: ReadonlyMap<string, FieldRow>;
  /** The workspace's custom fields of companies by key (those the mapping names). */
  companyFields?: ReadonlyMap<string, FieldRow>;
};

const TRUE_WORDS = new Set(['true', 'yes', 'ja', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'nei', '0']);

/**
 * A cell's text as the value of a custom field of its type, then checked by the same
 * `checkValue` as the API: numbers take . or , as decimal mark, booleans true/false, yes/no,
 * ja/nei or 1/0, select options match without regard to case, multi-select splits on ; or |.
 */
export function customFieldValue(
  field: FieldRow,
  text: string,
): { rows: CheckedValues[number]['rows'] } | { problem: string } {
  const t = text.trim();
  const option = (v: string) => field.options.find((o) => o.toLowerCase() === v.toLowerCase()) ?? v;
  let value: unknown = t;
  switch (field.type) {
    case 'number': {
      const n = t.replace(/\s/g, '');
      if (!/^[+-]?(\d+([.,]\d+)?|[.,]\d+)$/.test(n))
        return { problem: 'must be a number (with . or , as decimal mark)' };
      value = Number(n.replace(',', '.'));
      break;
    }
    case 'boolean': {
      const w = t.toLowerCase();
      if (TRUE_WORDS.has(w)) value = true;
      else if (FALSE_WORDS.has(w)) value = false;
      else return { problem: 'must be true or false (yes/no, ja/nei, 1/0)' };
      break;
    }
    case 'select':
      value = option(t);
      break;
    case 'multi_select':
      value = t
        .split(/[;|]/)
        .map((v) => v.trim())
        .filter(Boolean)
        .map(option);
      break;
  }
  return checkValue(field, value);
}

type Built = { ok: true; candidate: Candidate } | { ok: false; problems: RowProblem[] };

const first = (r: SourceRecord, f: TImportField) => r.values.find((v) => v.field === f);

/**
 * A record to a person, validated by the same contract as POST /people (ZCreatePersonBody)
 * and the same phone normaliser. Every problem names the column it comes from.
 */
export function buildCandidate(source: SourceRecord, opts: CandidateOptions): Built {
  const problems: RowProblem[] = [...source.problems];
  // PostgreSQL text cannot hold NUL: such a value is refused here, not as a failed batch.
  const r = { ...source, values: source.values.filter((v) => !v.value.includes('\u0000')) };
  for (const v of source.values) {
    if (v.value.includes('\u0000')) problems.push({ field: v.column, problem: 'holds a NUL character' });
  }
  const columnOf = new Map<string, string>();
  let firstName = first(r, 'firstName')?.value ?? '';
  let lastName = first(r, 'lastName')?.value ?? '';
  const full = first(r, 'fullName');
  if (full && !firstName && !lastName) {
    const parts = full.value.split(/\s+/);
    lastName = parts.length > 1 ? (parts.pop() ?? '') : '';
    firstName = parts.join(' ');
    columnOf.set('firstName', full.column);
    columnOf.set('lastName', full.column);
  } else {
    const named = (f: 'firstName' | 'lastName') => r.columns?.get(f) ?? (f === 'firstName' ? full?.column : undefined);
    columnOf.set('firstName', first(r, 'firstName')?.column ?? named('firstName') ?? 'firstName');
    columnOf.set('lastName', first(r, 'lastName')?.column ?? named('lastName') ?? 'lastName');
  }

  const emails: { value: string; type: 'work' | 'home' | 'other' }[] = [];
  const phonesE164: { value: string; type: 'mobile' | 'work' | 'home' | 'other' }[] = [];
  const seenEmails = new Set<string>();
  const seenPhones = new Set<string>();
  const tags = [...opts.defaults.tags];
  let categories: string[] = [];
  const custom: CheckedValues = [];
  const companyCustom: Candidate['companyCustom'] = [];
  for (const v of r.values) {
    if (v.field === 'email' || v.field === 'email.home' || v.field === 'email.other') {
      // A cell may hold several addresses ("a@x.no ::: b@x.no" in Google exports).
      for (const e of v.value.split(/\s*(?::::|;|,)\s*/).filter(Boolean)) {
        const lower = e.toLowerCase();
        if (seenEmails.has(lower)) continue;
        seenEmails.add(lower);
        columnOf.set(`emails.${emails.length}.value`, v.column);
        emails.push({ value: e, type: v.field === 'email' ? 'work' : v.field === 'email.home' ? 'home' : 'other' });
      }
    } else if (v.field.startsWith('phone')) {
      for (const p of v.value.split(/\s*(?::::|;|,)\s*/).filter(Boolean)) {
        const n = normalisePhone(p, opts.country);
        if (!n.ok) {
          problems.push({ field: v.column, problem: `phone ${n.problem}` });
          continue;
        }
        if (seenPhones.has(n.e164)) continue;
        seenPhones.add(n.e164);
        const type = v.field === 'phone' ? 'mobile' : (v.field.slice(6) as 'work' | 'home' | 'other');
        columnOf.set(`phones.${phonesE164.length}.value`, v.column);
        phonesE164.push({ value: n.e164, type });
      }
    } else if (v.field === 'tags') {
      tags.push(...splitList(v.value));
    } else if (v.field.startsWith('company.cf.')) {
      const field = opts.companyFields?.get(v.field.slice(11));
      if (!field) {
        problems.push({ field: v.column, problem: 'is not a custom field of companies' });
        continue;
      }
      const checked = customFieldValue(field, v.value);
      if ('problem' in checked) problems.push({ field: v.column, problem: checked.problem });
      else if (!companyCustom.some((c) => c.field.fieldId === field.fieldId))
        companyCustom.push({ field, rows: checked.rows, column: v.column });
    } else if (v.field.startsWith('cf.')) {
      const field = opts.customFields?.get(v.field.slice(3));
      if (!field) {
        problems.push({ field: v.column, problem: 'is not a custom field of people' });
        continue;
      }
      const checked = customFieldValue(field, v.value);
      if ('problem' in checked) problems.push({ field: v.column, problem: checked.problem });
      else if (!custom.some((c) => c.field.fieldId === field.fieldId)) custom.push({ field, rows: checked.rows });
    } else if (v.field === 'subjectCategories') {
      for (const c of splitList(v.value)) {
        const key = c.toLowerCase().replace(/[\s-]+/g, '_');
        if (CATEGORY_SET.has(key)) categories.push(key);
        else problems.push({ field: v.column, problem: `"${key.slice(0, 30)}" is not a category of data subject` });
      }
    }
  }
  if (categories.length === 0) categories = [...opts.defaults.subjectCategories];

  const address: Record<string, string> = {};
  for (const f of ['street', 'postalCode', 'city', 'state'] as const) {
    const v = first(r, f);
    if (v) {
      address[f] = v.value;
      columnOf.set(`address.${f}`, v.column);
    }
  }
  const countryValue = first(r, 'country');
  if (countryValue) {
    const code = countryCode(countryValue.value);
    if (code) address.country = code;
    else problems.push({ field: countryValue.column, problem: 'is not a country code or a country name we know' });
  }

  const title = first(r, 'title');
  if (title) columnOf.set('title', title.column);
  const companyName = first(r, 'company');
  const companyDomain = first(r, 'companyDomain');
  let domain: string | null = null;
  if (companyDomain) {
    const d = ZDomain.safeParse(companyDomain.value);
    if (d.success) domain = d.data;
    else problems.push({ field: companyDomain.column, problem: d.error.issues[0]?.message ?? 'is not a domain' });
  }
  if (companyName && companyName.value.length > 200) {
    problems.push({ field: companyName.column, problem: 'must be at most 200 characters' });
  }
  if (companyCustom.length && !companyName && !companyDomain) {
    // A company's field with no company to put it on: refused, not silently dropped.
    for (const c of companyCustom) {
      problems.push({ field: c.column, problem: 'is a field of the company, but the row names no company' });
    }
  }

  const parsed = ZCreatePersonBody.safeParse({
    firstName,
    lastName,
    emails,
    phones: phonesE164,
    ...(Object.keys(address).length ? { address } : {}),
    ...(title ? { title: title.value } : {}),
    tags: [...new Set(tags)].slice(0, 50),
    subjectCategories: categories,
    source: 'import',
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const column = columnOf.get(path) ?? columnOf.get(path.replace(/\.value$/, '')) ?? path;
      problems.push({ field: column || 'row', problem: issue.message });
    }
  }
  if (problems.length || !parsed.success) return { ok: false, problems };
  const person = parsed.data;
  return {
    ok: true,
    candidate: {
      row: r.row,
      bytes: r.bytes,
      person,
      company:
        companyName || domain
          ? { name: companyName?.value.trim() || (domain as string), domain: domain ?? null }
          : null,
      keys: [...person.emails.map((e) => `e:${e.value}`), ...person.phones.map((p) => `p:${p.value}`)],
      custom,
      companyCustom,
    },
  };
}
