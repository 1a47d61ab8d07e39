/**
 * A token bucket per API key, in the memory of this process: `perMinute` requests a minute
 * on average, with bursts up to the same number. Several API processes each keep their own
 * buckets, so the effective limit is per process (documented in docs/api.md). It reads the
 * injectable clock, so a test can refill it by moving time.
 */
export type RateLimiter = { take(key: string, now: Date): { ok: true } | { ok: false; retryAfterSeconds: number } };

export function createRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rate = perMinute / 60_000;
  return {
    take(key, now) {
      const t = now.getTime();
      const b = buckets.get(key) ?? { tokens: perMinute, at: t };
      b.tokens = Math.min(perMinute, b.tokens + Math.max(0, t - b.at) * rate);
      b.at = t;
      buckets.set(key, b);
      if (buckets.size > 10_000) {
        // Keys idle long enough to be full again carry no state worth keeping.
        for (const [k, v] of buckets) if (v.tokens >= perMinute) buckets.delete(k);
      }
      if (b.tokens < 1) return { ok: false, retryAfterSeconds: Math.ceil((1 - b.tokens) / rate / 1000) };
      b.tokens -= 1;
      return { ok: true };
    },
  };
}
