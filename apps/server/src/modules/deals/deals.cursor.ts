import { z } from 'zod';
import { validationFailed } from '../../lib/errors.ts';
import { isOwnerCursorValue } from '../custom-fields/table-query.ts';
import { type Cursor, decodeCursor, encodeCursor } from '../people/people.cursor.ts';

/** The cursors of people (`people.cursor.ts`), with the sort values of deals checked by the
 *  shape of each sort's key: integers, dates (YYYY-MM-DD), timestamps or 'infinity', and
 *  `CUR:amount` for sort 'currency'. */
export { encodeCursor };

const ZTuple = z.tuple([z.string(), z.enum(['asc', 'desc']), z.string().max(300), z.uuid()]);

const isTimestamp = (v: string) => !Number.isNaN(Date.parse(v));
const VALUE: Record<string, (v: string) => boolean> = {
  'deals.name': () => true,
  'deals.createdAt': isTimestamp,
  'deals.updatedAt': isTimestamp,
  'deals.amount': (v) => /^-?\d{1,16}$/.test(v),
  'deals.expectedCloseDate': (v) => /^\d{4}-\d{2}-\d{2}$/.test(v),
  'deals.stage': (v) => /^\d{1,6}$/.test(v),
  'deals.probability': (v) => /^-?\d{1,3}$/.test(v),
  'deals.status': (v) => /^[0-2]$/.test(v),
  'deals.currency': (v) => /^[A-Z]{3}:\d{1,16}$/.test(v),
  'deals.closedAt': (v) => v === 'infinity' || isTimestamp(v),
  'deals.owner': isOwnerCursorValue,
};

export function decodeDealCursor(raw: string, sort: string, dir: 'asc' | 'desc'): Cursor {
  const check = VALUE[sort];
  if (!check) return decodeCursor(raw, sort, dir);
  const bad = () => validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const r = ZTuple.safeParse(parsed);
  if (!r.success || r.data[0] !== sort || r.data[1] !== dir || !check(r.data[2])) throw bad();
  return { sort, dir, value: r.data[2], id: r.data[3] };
}
