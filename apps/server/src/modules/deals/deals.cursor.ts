import { z } from 'zod';
import { validationFailed } from '../../lib/errors.ts';
import { type Cursor, decodeCursor, encodeCursor } from '../people/people.cursor.ts';

/** The cursors of people (`people.cursor.ts`), plus the two sort values they do not know:
 *  amounts (an integer) and dates (YYYY-MM-DD). */
export { encodeCursor };

const ZTuple = z.tuple([z.string(), z.enum(['asc', 'desc']), z.string().regex(/^-?\d{1,16}$/), z.uuid()]);

export function decodeDealCursor(raw: string, sort: string, dir: 'asc' | 'desc'): Cursor {
  if (!sort.endsWith('.amount')) return decodeCursor(raw, sort, dir);
  const bad = () => validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const r = ZTuple.safeParse(parsed);
  if (!r.success || r.data[0] !== sort || r.data[1] !== dir) throw bad();
  return { sort, dir, value: r.data[2], id: r.data[3] };
}
