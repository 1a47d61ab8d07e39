import type { App } from './app.ts';
import type { JobsHandle } from './jobs/jobs.runner.ts';
import { settleBackground } from './lib/background.ts';

type Log = { info(message: string): void; warn(message: string): void };

/** What a shutdown stops; null for a part this process does not run or has not started. */
export type StartedParts = {
  /** The HTTP app, when this process serves the API. */
  app: App | null;
  jobs: Pick<JobsHandle, 'stop'> | null;
  database: { close(): Promise<void> } | null;
};

export type ShutdownParts = StartedParts & {
  /** How long requests in flight, background runs and jobs get, in all (ms). */
  graceMs: number;
  log: Log;
};

/** How often connections that went idle during a shutdown are closed (ms). */
const IDLE_SWEEP_MS = 50;

/**
 * The one shutdown sequence (SIGTERM, SIGINT): stop accepting connections, let the requests
 * in flight finish, then the background runs they started, then stop the job runner, and
 * close the database last, so that nothing still running finds the pool closed. The waits
 * share one deadline (`graceMs`); past it, open connections are closed and the rest goes on
 * (every cut-short run is resumed by its job). Calling it again returns the same promise.
 */
export function createShutdown(parts: ShutdownParts): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= (async () => {
      parts.log.info(`Shutting down: waiting up to ${parts.graceMs} ms for requests, background runs and jobs`);
      await shutDown(parts, Date.now() + parts.graceMs);
    })();
    return running;
  };
}

export type Lifecycle = {
  /**
   * Runs one start-up step unless the shutdown has begun. `keep` hands what the step started
   * to the shutdown as soon as it has started (before the caller goes on). Resolves null
   * when the shutdown began before or during the step: the caller starts nothing more, and
   * the shutdown stops what the step started. Rejects with the step's error, unless the
   * shutdown had begun (then null).
   */
  start<T>(step: () => Promise<T>, keep?: (started: T) => Partial<StartedParts>): Promise<T | null>;
  /** The shutdown sequence over the parts started so far. Calling it again returns the same promise. */
  shutdown(): Promise<void>;
  /** What has started so far. */
  readonly parts: Readonly<StartedParts>;
};

/**
 * A process's start and shutdown, so that the signal handlers can be registered before
 * anything starts: a SIGTERM during the start-up (migrations, the job runner's start, a demo
 * load) waits for the step under way (within the grace), starts nothing more, and stops what
 * has started, in the order of `createShutdown`.
 */
export function createLifecycle({ graceMs, log }: { graceMs: number; log: Log }): Lifecycle {
  const parts: StartedParts = { app: null, jobs: null, database: null };
  let step: Promise<unknown> | null = null;
  let stopping: Promise<void> | null = null;
  return {
    parts,
    async start(run, keep) {
      if (stopping) return null;
      const current = run().then((started) => {
        if (keep) Object.assign(parts, keep(started));
        return started;
      });
      step = current;
      try {
        const started = await current;
        return stopping ? null : started;
      } catch (err) {
        // A step the shutdown cut short (the database closed under it) fails as a result of
        // the shutdown, which goes on; any other failure is the start-up's.
        if (!stopping) throw err;
        log.warn(`Shutdown: a start-up step ended with ${String(err)}`);
        return null;
      }
    },
    shutdown() {
      stopping ??= (async () => {
        const deadline = Date.now() + graceMs;
        log.info(`Shutting down: waiting up to ${graceMs} ms for requests, background runs and jobs`);
        if (step) {
          const settled = step.then(
            () => true,
            () => true,
          );
          if (!(await beforeDeadline(settled, deadline))) {
            log.warn(`Shutdown: a start-up step still running after ${graceMs} ms; stopping what has started`);
          }
        }
        await shutDown({ ...parts, graceMs, log }, deadline);
      })();
      return stopping;
    },
  };
}

async function shutDown({ app, jobs, database, graceMs, log }: ShutdownParts, deadline: number): Promise<void> {
  if (app) await closeHttp(app, deadline, graceMs, log);
  const still = await settleBackground(deadline);
  if (still.length > 0) {
    log.warn(`Shutdown: ${still.join(', ')} still running after ${graceMs} ms; cut short, its job resumes it`);
  }
  await jobs?.stop(Math.max(0, deadline - Date.now()));
  await database?.close();
}

/** Whether `work` ended before `deadline` (epoch ms). */
async function beforeDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function closeHttp(app: App, deadline: number, graceMs: number, log: Log): Promise<void> {
  const server = app.server;
  // Stops accepting; a new request on a connection already open is answered 503.
  const closed = app.close();
  // Node closes the connections that are idle when the server closes, but one whose request
  // was in flight stays open after its answer until the keep-alive timeout (72 s in
  // Fastify): close each as soon as it is idle, so that the wait ends with the last answer.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    if (!(await beforeDeadline(closed, deadline))) {
      log.warn(`Shutdown: requests still in flight after ${graceMs} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(sweep);
  }
}
