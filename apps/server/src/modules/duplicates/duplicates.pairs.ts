import { z } from 'zod';
import { validationFailed } from '../../lib/errors.ts';

/** Two record ids, `a < b`: a candidate pair and the position of a page of them. */
export type Pair = { a: string; b: string };

const ZPairCursor = z.tuple([z.uuid(), z.uuid()]);

export function encodePairCursor(p: Pair): string {
  return Buffer.from(JSON.stringify([p.a, p.b])).toString('base64url');
}

export function decodePairCursor(raw: string): Pair {
  try {
    const [a, b] = ZPairCursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    return { a, b };
  } catch {
    throw validationFailed({ after: 'is not a cursor from this list' });
  }
}

/**
 * One keyset page of candidate pairs, for people and companies alike. Each rule yields its own
 * first `limit + 1` pairs after the cursor (`pairsBy`, called rule by rule in `rules` order);
 * the page is the first `limit` of their union in (a, b) order. That is exact: a pair among the
 * first `limit` of the union is among the first `limit` of every rule that finds it, so its
 * reasons (in `rules` order) are complete too. `ids`: every record the page shows, once.
 */
export async function unionPairPage<Reason extends string>(
  rules: readonly Reason[],
  pairsBy: (reason: Reason, limit: number) => Promise<Pair[]>,
  limit: number,
): Promise<{ page: { pair: Pair; reasons: Reason[] }[]; ids: string[]; nextCursor: string | null }> {
  const byPair = new Map<string, { pair: Pair; reasons: Set<Reason> }>();
  for (const reason of rules) {
    for (const pair of await pairsBy(reason, limit + 1)) {
      const key = `${pair.a}:${pair.b}`;
      const entry = byPair.get(key) ?? { pair, reasons: new Set<Reason>() };
      entry.reasons.add(reason);
      byPair.set(key, entry);
    }
  }
  const sorted = [...byPair.values()].sort((x, y) =>
    x.pair.a === y.pair.a ? (x.pair.b < y.pair.b ? -1 : 1) : x.pair.a < y.pair.a ? -1 : 1,
  );
  const page = sorted.slice(0, limit);
  const last = page.at(-1);
  return {
    page: page.map((e) => ({ pair: e.pair, reasons: rules.filter((r) => e.reasons.has(r)) })),
    ids: [...new Set(page.flatMap((e) => [e.pair.a, e.pair.b]))],
    nextCursor: sorted.length > limit && last ? encodePairCursor(last.pair) : null,
  };
}
