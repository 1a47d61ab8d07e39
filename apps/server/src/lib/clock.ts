/** Time is a dependency: every retention clock and job reads `now()` from a Clock. */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/** A clock a test can move forward. */
export type ManualClock = Clock & { set(date: Date): void; advance(ms: number): void };

export function createManualClock(start: Date = new Date()): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (date) => {
      current = date.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
