import { describe, expect, it } from 'vitest';
import { failuresOf } from './load.ts';

describe('failuresOf', () => {
  it('counts a timeout once: autocannon counts it in its errors too', () => {
    // The full-scale PGlite list run: autocannon said 13 errors and 13 timeouts.
    expect(failuresOf({ non2xx: 0, errors: 13, timeouts: 13 })).toEqual({
      failures: 13,
      failedBy: { non2xx: 0, errors: 0, timeouts: 13 },
    });
  });

  it('keeps other connection errors and non-2xx answers apart', () => {
    expect(failuresOf({ non2xx: 4, errors: 5, timeouts: 2 })).toEqual({
      failures: 9,
      failedBy: { non2xx: 4, errors: 3, timeouts: 2 },
    });
  });

  it('says nothing failed when nothing did', () => {
    expect(failuresOf({ non2xx: 0, errors: 0, timeouts: 0 })).toEqual({ failures: 0 });
  });
});
