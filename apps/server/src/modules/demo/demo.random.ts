/**
 * A small seeded pseudo-random generator (mulberry32) so that the demo workspace is the same
 * on every instance and every run: batch N of a kind always holds the same records, which is
 * what lets a cut-short load resume without duplicating or changing what was written.
 */
export type Random = {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
};

/** FNV-1a over a string: turns a label like "people:3" into a 32-bit seed. */
export function seedOf(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(list: readonly T[]): T => {
      const v = list[int(0, list.length - 1)];
      if (v === undefined) throw new Error('pick from an empty list');
      return v;
    },
    chance: (p) => next() < p,
  };
}
