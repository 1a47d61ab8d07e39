import { describe, expect, it } from 'vitest';
import { decodePairCursor, encodePairCursor, type Pair, unionPairPage } from './duplicates.pairs.ts';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const pair = (a: number, b: number): Pair => ({ a: id(a), b: id(b) });

describe('unionPairPage', () => {
  it('pages the union of the rules in (a, b) order, with every reason in rule order', async () => {
    const byRule: Record<'x' | 'y', Pair[]> = {
      x: [pair(1, 2), pair(1, 5), pair(3, 4)],
      y: [pair(1, 3), pair(3, 4)],
    };
    const asked: [string, number][] = [];
    const r = await unionPairPage(
      ['y', 'x'] as const,
      async (reason, limit) => {
        asked.push([reason, limit]);
        return byRule[reason].slice(0, limit);
      },
      3,
    );
    expect(asked).toEqual([
      ['y', 4],
      ['x', 4],
    ]);
    expect(r.page).toEqual([
      { pair: pair(1, 2), reasons: ['x'] },
      { pair: pair(1, 3), reasons: ['y'] },
      { pair: pair(1, 5), reasons: ['x'] },
    ]);
    expect(r.ids).toEqual([id(1), id(2), id(3), id(5)]);
    expect(r.nextCursor && decodePairCursor(r.nextCursor)).toEqual(pair(1, 5));
    const last = await unionPairPage(['y', 'x'] as const, async (reason) => byRule[reason].slice(3), 3);
    expect(last).toEqual({ page: [], ids: [], nextCursor: null });
  });

  it('a pair two rules find is one entry; no next cursor on the last page', async () => {
    const r = await unionPairPage(['x', 'y'] as const, async () => [pair(3, 4)], 3);
    expect(r).toEqual({ page: [{ pair: pair(3, 4), reasons: ['x', 'y'] }], ids: [id(3), id(4)], nextCursor: null });
  });

  it('refuses a cursor it did not write (422 naming after)', () => {
    expect(decodePairCursor(encodePairCursor(pair(1, 2)))).toEqual(pair(1, 2));
    for (const raw of ['x', Buffer.from('["a","b"]').toString('base64url')]) {
      expect(() => decodePairCursor(raw)).toThrow(
        expect.objectContaining({ fields: { after: 'is not a cursor from this list' } }),
      );
    }
  });
});
