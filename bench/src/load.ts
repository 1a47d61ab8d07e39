import autocannon, { type Result } from 'autocannon';

export type LoadResult = {
  reqPerSec: number;
  p50: number;
  /** Set by `timeEach` (autocannon reports no p95). */
  p95?: number;
  p99: number;
  /** Set by `timeEach`: the slowest operation. */
  max?: number;
  requests: number;
  failures: number;
  /** What the failures were, when there were any: `errors` are connection errors other than
   *  timeouts; `answers`, the first few non-2xx answers (status and the start of the body). */
  failedBy?: { non2xx: number; errors: number; timeouts: number; answers?: string[] };
};

/**
 * The failures of an autocannon result, each counted once. autocannon's `errors` include its
 * `timeouts` ("The number of connection errors (including timeouts)", its README): adding both
 * counted every timeout twice (the full-scale PGlite list run read "13 timeouts, 13 errors",
 * which were 13 timeouts).
 */
export function failuresOf(result: Pick<Result, 'non2xx' | 'errors' | 'timeouts'>): {
  failures: number;
  failedBy?: { non2xx: number; errors: number; timeouts: number };
} {
  const failures = result.non2xx + result.errors;
  if (failures === 0) return { failures };
  return {
    failures,
    failedBy: { non2xx: result.non2xx, errors: result.errors - result.timeouts, timeouts: result.timeouts },
  };
}

const ANSWERS_KEPT = 3;

/**
 * Drives `paths()` (one path per request) at `url` with `connections` concurrent
 * connections for `seconds`. Any non-2xx answer, error or timeout (10 s) counts as a failure:
 * a rate of failing requests measures nothing, so callers report a run with failures as
 * failed (with what failed), never as a rate.
 */
export async function drive(input: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  paths: () => string;
}): Promise<LoadResult> {
  const answers: string[] = [];
  const result = await autocannon({
    url: input.url,
    connections: input.connections,
    duration: input.seconds,
    headers: input.headers ?? {},
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: input.paths() }),
        onResponse: (status, body) => {
          if ((status < 200 || status > 299) && answers.length < ANSWERS_KEPT) {
            answers.push(`${status} ${String(body ?? '').slice(0, 300)}`);
          }
        },
      },
    ],
  });
  const { failures, failedBy } = failuresOf(result);
  return {
    reqPerSec: Math.round(result.requests.average * 10) / 10,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    // No answer at all within the duration is a failure too, not a rate of zero.
    failures: failures + (result.requests.total === 0 ? 1 : 0),
    ...(failedBy ? { failedBy: answers.length > 0 ? { ...failedBy, answers } : failedBy } : {}),
  };
}

/**
 * Times `total` operations, `concurrency` at a time, each measured on its own (for
 * workloads judged per operation: search p95, the erasure or export of one person). An
 * operation that throws counts as a failure.
 */
export async function timeEach(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const times: number[] = [];
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        times.push(performance.now() - t0);
      } catch (err) {
        failures++;
        console.error(`[bench] operation ${i} failed: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0) * 10) / 10;
  return {
    reqPerSec: Math.round((times.length / seconds) * 10) / 10,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: at(1),
    requests: times.length,
    failures,
  };
}
