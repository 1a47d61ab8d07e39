import type { App } from './app.ts';
import type { JobsHandle } from './jobs/jobs.runner.ts';
import { settleBackground } from './lib/background.ts';

export type ShutdownParts = {
  /** The HTTP app, when this process serves the API. */
  app: App | null;
  jobs: Pick<JobsHandle, 'stop'>;
  database: { close(): Promise<void> };
  /** How long requests in flight, background runs and jobs get, in all (ms). */
  graceMs: number;
  log: { info(message: string): void; warn(message: string): void };
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
    running ??= shutDown(parts);
    return running;
  };
}

async function shutDown({ app, jobs, database, graceMs, log }: ShutdownParts): Promise<void> {
  const deadline = Date.now() + graceMs;
  log.info(`Shutting down: waiting up to ${graceMs} ms for requests, background runs and jobs`);
  if (app) await closeHttp(app, deadline, graceMs, log);
  const still = await settleBackground(deadline);
  if (still.length > 0) {
    log.warn(`Shutdown: ${still.join(', ')} still running after ${graceMs} ms; cut short, its job resumes it`);
  }
  await jobs.stop(Math.max(0, deadline - Date.now()));
  await database.close();
}

async function closeHttp(app: App, deadline: number, graceMs: number, log: ShutdownParts['log']): Promise<void> {
  const server = app.server;
  // Stops accepting; a new request on a connection already open is answered 503.
  const closed = app.close();
  // Node closes the connections that are idle when the server closes, but one whose request
  // was in flight stays open after its answer until the keep-alive timeout (72 s in
  // Fastify): close each as soon as it is idle, so that the wait ends with the last answer.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  let timer: NodeJS.Timeout | undefined;
  try {
    const inTime = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      }),
    ]);
    if (!inTime) {
      log.warn(`Shutdown: requests still in flight after ${graceMs} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
