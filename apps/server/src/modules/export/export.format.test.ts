import type { TPerson } from '@tillit/contracts';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, foldLine, majorAmount, personCsv, personVcard, vcardText } from './export.format.ts';
import { csvRecords, parseCsv, vcardLines } from './export.test-helpers.ts';

const person = (over: Partial<TPerson> = {}): TPerson => ({
  id: '0190a4b2-0000-7000-8000-000000000001',
  firstName: 'Åse',
  lastName: 'Ødegård, "Jr"',
  emails: [
    { value: 'other@example.test', type: 'home', primary: false },
    { value: 'ase@example.test', type: 'work', primary: true },
  ],
  phones: [{ value: '+4791234567', type: 'mobile', primary: true }],
  address: { street: 'Storgata 1;\nBakgård', state: null, postalCode: '0155', city: 'Oslo', country: 'NO' },
  title: 'CEO, Founder',
  companies: [{ companyId: '0190a4b2-0000-7000-8000-000000000002', name: 'Acme; AS', role: null }],
  ownerId: null,
  tags: ['vip', 'a,b'],
  subjectCategories: ['client'],
  customFields: {},
  source: 'manual',
  visibility: 'workspace',
  teamId: null,
  createdAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T11:22:33.444Z',
  deletedAt: null,
  ...over,
});

describe('CSV', () => {
  it('quotes per RFC 4180: commas, quotes, CR and LF; doubles inner quotes; CRLF rows', () => {
    expect(csvRow(['a', 'b,c', 'say "hi"', 'two\nlines', null, 3])).toBe('a,"b,c","say ""hi""","two\nlines",,3\r\n');
    expect(parseCsv(csvRow(['a', 'b,c', 'say "hi"', 'two\r\nlines']))).toEqual([
      ['a', 'b,c', 'say "hi"', 'two\r\nlines'],
    ]);
  });

  it('prefixes cells that a spreadsheet would run as a formula (= + - @ tab CR) with a quote', () => {
    for (const bad of ['=1+1', '+47 912', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      expect(parseCsv(csvRow([bad]))[0]?.[0]).toBe(`'${bad}`);
    }
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(-5)).toBe('-5'); // our own numbers are not text from a user
  });

  it('[P-CRM-1] writes a person: primary email and phone first, lists joined by "; ", reads back whole', () => {
    const rows = csvRecords(
      `${csvRow(['id', 'firstName', 'lastName', 'title', 'emails', 'phones', 'street', 'postalCode', 'city', 'state', 'country', 'companies', 'tags', 'subjectCategories', 'ownerId', 'visibility', 'source', 'createdAt', 'updatedAt'])}${personCsv(person())}`,
    );
    expect(rows[0]).toMatchObject({
      firstName: 'Åse',
      lastName: 'Ødegård, "Jr"',
      emails: 'ase@example.test; other@example.test',
      phones: "'+4791234567",
      street: 'Storgata 1;\nBakgård',
      companies: 'Acme; AS',
      tags: 'vip; a,b',
    });
  });

  it('writes amounts in major units with the currency digits', () => {
    expect(majorAmount(125050, 'EUR')).toBe('1250.50');
    expect(majorAmount(5, 'NOK')).toBe('0.05');
    expect(majorAmount(1500, 'JPY')).toBe('1500');
    expect(majorAmount(-250, 'USD')).toBe('-2.50');
  });
});

describe('vCard 4.0', () => {
  it('escapes backslash, comma, semicolon and newlines in text values (RFC 6350 3.4)', () => {
    expect(vcardText('a\\b,c;d\ne\r\nf')).toBe('a\\\\b\\,c\\;d\\ne\\nf');
  });

  it('folds lines longer than 75 octets with a leading space, never inside a UTF-8 character', () => {
    const long = `NOTE:${'æøå'.repeat(40)}`;
    const folded = foldLine(long);
    const lines = folded.split('\r\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(1);
    for (const [i, l] of lines.entries()) {
      expect(Buffer.byteLength(l, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(l.startsWith(' ')).toBe(true);
      expect(l).not.toContain('\uFFFD');
    }
    expect(folded.replace(/\r\n /g, '').replace(/\r\n$/, '')).toBe(long);
    expect(foldLine('FN:short')).toBe('FN:short\r\n');
  });

  it('[P-CRM-1] writes FN, N, EMAIL;TYPE, TEL;TYPE as an E.164 tel: URI, ADR, ORG, TITLE, escaped', () => {
    const card = personVcard(person({ title: `${'Chief Everything Officer, '.repeat(4)}end` }));
    expect(card.startsWith('BEGIN:VCARD\r\nVERSION:4.0\r\n')).toBe(true);
    expect(card.endsWith('END:VCARD\r\n')).toBe(true);
    for (const raw of card.split('\r\n')) expect(Buffer.byteLength(raw, 'utf8')).toBeLessThanOrEqual(75);
    const lines = vcardLines(card);
    expect(lines).toContain('FN:Åse Ødegård\\, "Jr"');
    expect(lines).toContain('N:Ødegård\\, "Jr";Åse;;;');
    expect(lines).toContain('EMAIL;TYPE=work;PREF=1:ase@example.test');
    expect(lines).toContain('EMAIL;TYPE=home:other@example.test');
    expect(lines).toContain('TEL;VALUE=uri;TYPE="cell";PREF=1:tel:+4791234567');
    expect(lines).toContain('ADR:;;Storgata 1\\;\\nBakgård;Oslo;;0155;NO');
    expect(lines).toContain('ORG:Acme\\; AS');
    expect(lines).toContain(`TITLE:${'Chief Everything Officer\\, '.repeat(4)}end`);
    expect(lines).toContain('CATEGORIES:vip,a\\,b');
    expect(lines).toContain('REV:20261125T112233Z');
  });
});
