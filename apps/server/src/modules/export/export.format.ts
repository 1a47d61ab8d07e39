import type { TCompany, TDeal, TPerson } from '@tillit/contracts';

/**
 * Pure writers of the export formats: CSV (RFC 4180), vCard 4.0 (RFC 6350) and JSON. Each
 * turns one record into one chunk of text, so the service can stream batch by batch.
 */

// CSV

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"):
 *  such a cell is prefixed with a single quote so that it stays text. */
const FORMULA_START = /^[=+\-@\t\r]/;

export type CsvCell = string | number | null | undefined;

/** One cell: text cells that look like a formula get a leading `'`; cells with a comma, a
 *  quote, CR or LF are quoted with inner quotes doubled (RFC 4180). Numbers are written as
 *  they are: they are our own values, never a formula. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvRow(cells: CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const UTF8_BOM = '\uFEFF';

/** Several values in one cell (emails, tags, ...), separated by "; ". */
const many = (list: string[]) => list.join('; ');

export const PEOPLE_CSV_HEADER = [
  'id',
  'firstName',
  'lastName',
  'title',
  'emails',
  'phones',
  'street',
  'postalCode',
  'city',
  'state',
  'country',
  'companies',
  'tags',
  'subjectCategories',
  'ownerId',
  'visibility',
  'source',
  'createdAt',
  'updatedAt',
];

/** Lists put the primary value first (the API keeps the order in which they were given). */
const primaryFirst = <T extends { primary: boolean; value: string }>(list: T[]) =>
  [...list.filter((x) => x.primary), ...list.filter((x) => !x.primary)].map((x) => x.value);

export function personCsv(p: TPerson): string {
  return csvRow([
    p.id,
    p.firstName,
    p.lastName,
    p.title,
    many(primaryFirst(p.emails)),
    many(primaryFirst(p.phones)),
    p.address.street,
    p.address.postalCode,
    p.address.city,
    p.address.state,
    p.address.country,
    many(p.companies.map((c) => c.name)),
    many(p.tags),
    many(p.subjectCategories),
    p.ownerId,
    p.visibility,
    p.source,
    p.createdAt,
    p.updatedAt,
  ]);
}

export const COMPANY_CSV_HEADER = [
  'id',
  'name',
  'domain',
  'orgNumber',
  'street',
  'postalCode',
  'city',
  'state',
  'country',
  'industry',
  'size',
  'tags',
  'ownerId',
  'visibility',
  'createdAt',
  'updatedAt',
];

export function companyCsv(c: TCompany): string {
  return csvRow([
    c.id,
    c.name,
    c.domain,
    c.orgNumber,
    c.address.street,
    c.address.postalCode,
    c.address.city,
    c.address.state,
    c.address.country,
    c.industry,
    c.size,
    many(c.tags),
    c.ownerId,
    c.visibility,
    c.createdAt,
    c.updatedAt,
  ]);
}

export const DEAL_CSV_HEADER = [
  'id',
  'name',
  'amount',
  'currency',
  'stage',
  'status',
  'probability',
  'expectedCloseDate',
  'companyId',
  'personIds',
  'ownerId',
  'visibility',
  'closedAt',
  'createdAt',
  'updatedAt',
];

/** Digits after the decimal point of a currency (2 for EUR, 0 for JPY). */
function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units as a plain decimal ("1250.50"), what a spreadsheet reads as a number. */
export function majorAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  if (digits === 0) return String(minor);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const unit = 10 ** digits;
  return `${sign}${Math.floor(abs / unit)}.${String(abs % unit).padStart(digits, '0')}`;
}

export function dealCsv(d: TDeal, stageName: (id: string) => string): string {
  return csvRow([
    d.id,
    d.name,
    Number(majorAmount(d.amount, d.currency)),
    d.currency,
    stageName(d.stageId),
    d.status,
    d.probability,
    d.expectedCloseDate,
    d.companyId,
    many(d.personIds),
    d.ownerId,
    d.visibility,
    d.closedAt,
    d.createdAt,
    d.updatedAt,
  ]);
}

// vCard 4.0 (RFC 6350)

/** A text value: backslash, comma, semicolon and newlines escaped (section 3.4). */
export function vcardText(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds a content line at 75 octets (section 3.2): each continuation line starts with one
 * space, and no UTF-8 character is split across lines.
 */
export function foldLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return `${line}\r\n`;
  const out: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Step back to a character boundary: continuation bytes are 10xxxxxx.
    while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
    out.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74; // the leading space counts
  }
  return `${out.join('\r\n ')}\r\n`;
}

const EMAIL_TYPE: Record<string, string | null> = { work: 'work', home: 'home', other: null };
const TEL_TYPE: Record<string, string> = { work: 'work,voice', home: 'home,voice', mobile: 'cell', other: 'voice' };

/** vCard timestamp (REV): 20261125T193000Z. */
const vcardTime = (iso: string) => `${iso.replace(/[-:]/g, '').replace(/\.\d+/, '')}`;

export function personVcard(p: TPerson): string {
  const lines: string[] = ['BEGIN:VCARD', 'VERSION:4.0', `UID:urn:uuid:${p.id}`];
  const fn = `${p.firstName} ${p.lastName}`.trim() || p.firstName;
  lines.push(`FN:${vcardText(fn)}`);
  lines.push(`N:${vcardText(p.lastName)};${vcardText(p.firstName)};;;`);
  for (const e of p.emails) {
    const type = EMAIL_TYPE[e.type];
    const params = `${type ? `;TYPE=${type}` : ''}${e.primary ? ';PREF=1' : ''}`;
    lines.push(`EMAIL${params}:${vcardText(e.value)}`);
  }
  for (const t of p.phones) {
    // TEL in vCard 4.0 is a tel: URI; the number is already E.164.
    const params = `;VALUE=uri;TYPE="${TEL_TYPE[t.type] ?? 'voice'}"${t.primary ? ';PREF=1' : ''}`;
    lines.push(`TEL${params}:tel:${t.value}`);
  }
  const a = p.address;
  if (a.street || a.city || a.postalCode || a.state || a.country) {
    const parts = ['', '', a.street, a.city, a.state, a.postalCode, a.country].map((x) => vcardText(x ?? ''));
    lines.push(`ADR:${parts.join(';')}`);
  }
  for (const c of p.companies) lines.push(`ORG:${vcardText(c.name)}`);
  if (p.title) lines.push(`TITLE:${vcardText(p.title)}`);
  if (p.tags.length) lines.push(`CATEGORIES:${p.tags.map(vcardText).join(',')}`);
  lines.push(`REV:${vcardTime(p.updatedAt)}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join('');
}
