import autocannon from 'autocannon';

export type LoadResult = { reqPerSec: number; p50: number; p99: number; requests: number; failures: number };

/**
 * Drives `paths()` (one path per request) at `url` with `connections` concurrent
 * connections for `seconds`. Any non-2xx answer or error counts as a failure: a benchmark
 * of failing requests measures nothing, so callers refuse results with failures.
 */
export async function drive(input: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  paths: () => string;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: input.url,
    connections: input.connections,
    duration: input.seconds,
    headers: input.headers ?? {},
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: input.paths() }),
      },
    ],
  });
  return {
    reqPerSec: Math.round(result.requests.average * 10) / 10,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    // No answer at all within the duration is a failure too, not a rate of zero.
    failures: result.non2xx + result.errors + result.timeouts + (result.requests.total === 0 ? 1 : 0),
  };
}
