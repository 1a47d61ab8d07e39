import { describe, expect, it } from 'vitest';
import { cleanTags, decodeCursor, encodeCursor, prefixRange } from './people.cursor.ts';

describe('prefixRange', () => {
  it('is the half-open range of the strings that start with the prefix, in code point order', () => {
    expect(prefixRange('ann')).toEqual({ from: 'ann', to: 'ano' });
    expect(prefixRange('a%')).toEqual({ from: 'a%', to: 'a&' });
    expect(prefixRange('bjø')).toEqual({ from: 'bjø', to: 'bjù' });
    expect(prefixRange('x\u{1F600}')).toEqual({ from: 'x\u{1F600}', to: 'x\u{1F601}' });
    // Never a lone surrogate, which PostgreSQL would refuse as text.
    expect(prefixRange('a\uD7FF').to).toBe('a\uE000');
    for (const s of ['ann', 'anna', 'ann berg', 'ann\u{10FFFF}']) {
      const r = prefixRange('ann');
      expect(s >= r.from && s < r.to, s).toBe(true);
    }
    for (const s of ['an', 'ano', 'anm', 'bnn']) {
      const r = prefixRange('ann');
      expect(s >= r.from && s < r.to, s).toBe(false);
    }
  });
});

describe('cursors', () => {
  const id = '019b8d62-7a80-7d5d-a3a3-972064f4d772';
  it('round-trip for the same list, sort and direction only', () => {
    const c = encodeCursor({ sort: 'people.name', dir: 'asc', value: 'anna berg', id });
    expect(decodeCursor(c, 'people.name', 'asc')).toEqual({ sort: 'people.name', dir: 'asc', value: 'anna berg', id });
    for (const [sort, dir] of [
      ['people.name', 'desc'],
      ['companies.name', 'asc'],
      ['people.createdAt', 'asc'],
    ] as const) {
      expect(() => decodeCursor(c, sort, dir)).toThrow();
    }
  });
  it('refuse garbage, a bad id and a date cursor that is not a date', () => {
    expect(() => decodeCursor('!!', 'people.name', 'asc')).toThrow();
    const badId = Buffer.from(JSON.stringify(['people.name', 'asc', 'x', 'nope'])).toString('base64url');
    expect(() => decodeCursor(badId, 'people.name', 'asc')).toThrow();
    const badDate = encodeCursor({ sort: 'people.createdAt', dir: 'asc', value: 'yesterday', id });
    expect(() => decodeCursor(badDate, 'people.createdAt', 'asc')).toThrow();
  });
});

describe('cleanTags', () => {
  it('keeps the first spelling of each tag, case-insensitively, in order', () => {
    expect(cleanTags(['VIP', 'board', 'vip', 'Board', 'x'])).toEqual(['VIP', 'board', 'x']);
  });
});
