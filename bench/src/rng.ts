/**
 * A seeded, deterministic random source (mulberry32), so that two runs of the generator
 * with the same seed write the same rows and results stay comparable between runs.
 */
export type Rng = {
  /** A float in [0, 1). */
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(list: readonly T[]): T;
  chance(p: number): boolean;
  hex(chars: number): string;
};

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  return {
    next,
    int,
    pick: (list) => list[int(list.length)] as (typeof list)[number],
    chance: (p) => next() < p,
    hex: (chars) => {
      let s = '';
      while (s.length < chars) s += int(0x10000).toString(16).padStart(4, '0');
      return s.slice(0, chars);
    },
  };
}

/** A UUIDv7-shaped id whose time part is `ms`, the rest from the seeded source. */
export function uuid7(rng: Rng, ms: number): string {
  const t = ms.toString(16).padStart(12, '0');
  const r = rng.hex(15);
  const variant = (8 + rng.int(4)).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(3, 6)}-${r.slice(6, 15)}${rng.hex(3)}`;
}
