import { z } from 'zod';
import { validationFailed } from '../../lib/errors.ts';

/**
 * Keyset cursors: the list and its sort (`people.name`), the direction, the last row's sort value and its id, as
 * base64url JSON. Opaque to clients; a cursor of another sort or direction is refused, so a
 * page can never silently skip or repeat rows.
 */
export type Cursor = { sort: string; dir: 'asc' | 'desc'; value: string; id: string };

const ZCursorTuple = z.tuple([z.string(), z.enum(['asc', 'desc']), z.string(), z.uuid()]);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.dir, c.value, c.id])).toString('base64url');
}

export function decodeCursor(raw: string, sort: string, dir: 'asc' | 'desc'): Cursor {
  const bad = () => validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const r = ZCursorTuple.safeParse(parsed);
  if (!r.success) throw bad();
  const [s, d, value, id] = r.data;
  if (s !== sort || d !== dir) throw bad();
  if (!sort.endsWith('.name') && Number.isNaN(Date.parse(value))) throw bad();
  return { sort: s, dir: d, value, id };
}

/**
 * The half-open range [from, to) of the strings that start with `prefix`, for columns with
 * COLLATE "C" (byte order = code point order). Used instead of `LIKE 'prefix%'` because
 * LIKE is not leakproof: under row-level security PostgreSQL will not use it in an index
 * condition, and every search would scan the workspace; `>=` and `<` are leakproof.
 */
export function prefixRange(prefix: string): { from: string; to: string } {
  const chars = Array.from(prefix);
  const last = chars.pop();
  if (last === undefined) return { from: '', to: '\u{10FFFF}' };
  let code = Math.min((last.codePointAt(0) ?? 0) + 1, 0x10ffff);
  if (code >= 0xd800 && code <= 0xdfff) code = 0xe000; // no lone surrogates in UTF-8
  const next = String.fromCodePoint(code);
  return { from: prefix, to: chars.join('') + next };
}

/** Tags as given, trimmed, de-duplicated (first spelling wins, case-insensitively). */
export function cleanTags(tags: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tags) {
    const key = t.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}
