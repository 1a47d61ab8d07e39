import {
  isMappableVcardProperty,
  type TImportEncoding,
  type TImportField,
  type TImportTarget,
} from '@tillit/contracts';
import type { SourceRecord, SourceValue } from './import.rows.ts';
import { readText } from './import.text.ts';

/** A line longer than this inside a card (after unfolding) is refused: a photo or a broken
 *  file; it would otherwise grow without bound. Photos are skipped before they grow. */
const MAX_LINE_CHARS = 1024 * 1024;

/** Logical lines of a vCard file (RFC 6350 3.2: a line starting with a space or tab
 *  continues the previous one), with the bytes read when each ended. */
async function* unfoldedLines(
  file: string,
  encoding: TImportEncoding,
): AsyncGenerator<{ line: string; bytes: number }> {
  let carry = '';
  let current: string | null = null;
  let bytes = 0;
  for await (const chunk of readText(file, encoding)) {
    bytes = chunk.bytes;
    const parts = (carry + chunk.text).split(/\r\n|\n|\r/);
    carry = parts.pop() ?? '';
    for (const raw of parts) {
      if ((raw.startsWith(' ') || raw.startsWith('\t')) && current !== null) {
        if (current.length < MAX_LINE_CHARS) current += raw.slice(1);
        continue;
      }
      if (current !== null) yield { line: current, bytes };
      current = raw;
    }
    if (carry.length > MAX_LINE_CHARS) carry = carry.slice(0, MAX_LINE_CHARS);
  }
  if (carry !== '') {
    if ((carry.startsWith(' ') || carry.startsWith('\t')) && current !== null) current += carry.slice(1);
    else {
      if (current !== null) yield { line: current, bytes };
      current = carry;
    }
  }
  if (current !== null) yield { line: current, bytes };
}

/** Splits on an unescaped separator and resolves the escapes \n \, \; \\. */
function splitValue(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      const nx = value[i + 1];
      cur += nx === 'n' || nx === 'N' ? '\n' : nx;
      i += 1;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

type Property = { name: string; params: string; value: string };

function parseProperty(line: string): Property | null {
  // The value starts after the first colon that is not inside a quoted parameter value.
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ':' && !inQuotes) {
      const head = line.slice(0, i);
      const semi = head.indexOf(';');
      const rawName = semi < 0 ? head : head.slice(0, semi);
      const dot = rawName.lastIndexOf('.');
      const name = (dot >= 0 ? rawName.slice(dot + 1) : rawName).trim().toUpperCase();
      if (!/^[A-Z0-9-]+$/.test(name)) return null;
      return { name, params: semi < 0 ? '' : head.slice(semi + 1).toUpperCase(), value: line.slice(i + 1) };
    }
  }
  return null;
}

function typed(params: string, base: 'email' | 'phone'): TImportField {
  const types = new Set(
    params
      .split(';')
      .flatMap((p) => (p.startsWith('TYPE=') ? p.slice(5).replace(/"/g, '').split(',') : [p]))
      .map((t) => t.trim()),
  );
  if (base === 'email') return types.has('HOME') ? 'email.home' : types.has('WORK') ? 'email' : 'email';
  if (types.has('CELL')) return 'phone';
  if (types.has('WORK')) return 'phone.work';
  if (types.has('HOME')) return 'phone.home';
  return 'phone';
}

/** vCard 4.0 writes dates as 19850412 (or --0412 without a year), 3.0 often as
 *  1985-04-12T00:00:00Z: a full date becomes YYYY-MM-DD, as a date custom field takes it. */
function vcardDate(value: string): string {
  const v = value.trim();
  const basic = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (basic) return `${basic[1]}-${basic[2]}-${basic[3]}`;
  const stamp = /^(\d{4}-\d{2}-\d{2})T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  return stamp?.[1] ?? v;
}

/** Property name (upper case) to the custom field it fills, from the import's options. */
export type VcardPropertyMap = Readonly<Record<string, TImportTarget | null>>;

/** The fields one card gives, and the problems of the card as a whole. Mappable properties
 *  (X-…, NOTE, BDAY, URL, …) go to the fields `properties` names (the first of each), and
 *  are listed in `extras` for the preview. */
function cardToRecord(
  props: Property[],
  row: number,
  bytes: number,
  problems: SourceRecord['problems'],
  properties: VcardPropertyMap,
): SourceRecord {
  const values: SourceValue[] = [];
  const extras: { name: string; value: string }[] = [];
  const add = (field: TImportTarget, value: string, column: string) => {
    if (value.trim() !== '') values.push({ field, value: value.trim(), column });
  };
  let adr = false;
  for (const p of props) {
    if (isMappableVcardProperty(p.name)) {
      if (extras.some((x) => x.name === p.name)) continue;
      const raw = splitValue(p.value, '\u0000')[0] ?? '';
      const value = p.name === 'BDAY' || p.name === 'ANNIVERSARY' ? vcardDate(raw) : raw.trim();
      extras.push({ name: p.name, value });
      const target = properties[p.name];
      if (target) add(target, value, p.name);
      continue;
    }
    switch (p.name) {
      case 'VERSION':
        if (!['2.1', '3.0', '4.0'].includes(p.value.trim())) {
          problems.push({ field: 'VERSION', problem: `vCard version ${p.value.trim().slice(0, 10)} is not supported` });
        }
        break;
      case 'FN':
        add('fullName', splitValue(p.value, '\u0000')[0] ?? '', 'FN');
        break;
      case 'N': {
        const [family = '', given = ''] = splitValue(p.value, ';');
        add('lastName', family.split(',').join(' '), 'N');
        add('firstName', given.split(',').join(' '), 'N');
        break;
      }
      case 'EMAIL':
        add(typed(p.params, 'email'), splitValue(p.value, '\u0000')[0] ?? '', 'EMAIL');
        break;
      case 'TEL':
        add(typed(p.params, 'phone'), (splitValue(p.value, '\u0000')[0] ?? '').replace(/^tel:/i, ''), 'TEL');
        break;
      case 'TITLE':
        add('title', splitValue(p.value, '\u0000')[0] ?? '', 'TITLE');
        break;
      case 'ORG':
        add('company', splitValue(p.value, ';')[0] ?? '', 'ORG');
        break;
      case 'CATEGORIES':
        for (const t of splitValue(p.value, ',')) add('tags', t, 'CATEGORIES');
        break;
      case 'ADR': {
        if (adr) break;
        adr = true;
        const [, , street = '', city = '', region = '', postal = '', country = ''] = splitValue(p.value, ';');
        add('street', street, 'ADR');
        add('city', city, 'ADR');
        add('state', region, 'ADR');
        add('postalCode', postal, 'ADR');
        add('country', country, 'ADR');
        break;
      }
      default:
        break;
    }
  }
  return { row, values, problems, bytes, extras };
}

export class VcardStructureError extends Error {}

/**
 * Every card of a vCard 3.0 or 4.0 file (2.1 cards without quoted-printable values too),
 * streamed; `row` is the card's number. `properties` maps X- and other mappable properties
 * to custom fields. A card that is broken (no END, a line that is not
 * a property) comes out with its problems and is refused alone; text outside any card is
 * ignored; a file with no card at all is refused as a whole.
 */
export async function* readVcards(
  file: string,
  encoding: TImportEncoding,
  properties: VcardPropertyMap = {},
): AsyncGenerator<SourceRecord> {
  let props: Property[] | null = null;
  let problems: SourceRecord['problems'] = [];
  let row = 0;
  let lastBytes = 0;
  for await (const { line, bytes } of unfoldedLines(file, encoding)) {
    lastBytes = bytes;
    const trimmed = line.trim();
    const upper = trimmed.toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (props) {
        problems.push({ field: 'END', problem: 'the card has no END:VCARD before the next card begins' });
        yield cardToRecord(props, row, bytes, problems, properties);
      }
      row += 1;
      props = [];
      problems = [];
      continue;
    }
    if (!props) continue;
    if (upper === 'END:VCARD') {
      yield cardToRecord(props, row, bytes, problems, properties);
      props = null;
      continue;
    }
    if (trimmed === '') continue;
    const p = parseProperty(line);
    if (!p) {
      if (problems.length < 20) problems.push({ field: 'line', problem: 'a line of the card is not a vCard property' });
      continue;
    }
    if (p.name === 'PHOTO' || p.name === 'LOGO' || p.name === 'SOUND' || p.name === 'KEY') continue;
    props.push(p);
  }
  if (props) {
    problems.push({ field: 'END', problem: 'the card has no END:VCARD (the file ends inside it)' });
    yield cardToRecord(props, row, lastBytes, problems, properties);
  }
  if (row === 0) throw new VcardStructureError('The file holds no vCard (no BEGIN:VCARD line).');
}
