import { buildApp } from './app.ts';
import { createServices } from './bootstrap.ts';
import type { Config } from './config.ts';
import { startJobs } from './jobs/jobs.runner.ts';
import { demoLoadJob, setDemoQueue } from './modules/demo/demo.jobs.ts';
import { startDemoInstance } from './modules/demo/demo.start.ts';
import { createLifecycle } from './shutdown.ts';

export type StartOptions = {
  /** `--demo`: a new instance gets a demo owner and demo data. */
  demo: boolean;
  /** Where SIGINT and SIGTERM arrive (the process). */
  signals: { on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown };
  /** Ends the process once the shutdown is done (0) or failed (1). */
  exit(code: number): void;
};

/**
 * Starts the server: the signal handlers first, then the database (migrated), the API, the
 * job runner and a demo load, each a step of one lifecycle, so that a SIGTERM at any point of
 * the start-up shuts down what has started instead of killing the process.
 */
export async function startServer(config: Config, { demo, signals, exit }: StartOptions): Promise<void> {
  // The app's logger once there is an app; before, the console.
  const log = {
    info: (m: string) => (life.parts.app ? life.parts.app.log.info(m) : console.log(m)),
    warn: (m: string) => (life.parts.app ? life.parts.app.log.warn(m) : console.warn(m)),
  };
  const life = createLifecycle({ graceMs: config.shutdownGraceMs, log });
  const stop = () => {
    life.shutdown().then(
      () => exit(0),
      (err) => {
        console.error(err);
        exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal (Ctrl-C pressed again, SIGTERM after SIGINT) must not
  // kill a shutdown in progress with the default action; the shutdown is bounded by its grace.
  signals.on('SIGINT', stop);
  signals.on('SIGTERM', stop);
  const services = await life.start(
    () => createServices(config),
    (s) => ({ database: s.database }),
  );
  if (!services) return;
  if (config.services.has('api')) {
    const app = await life.start(
      () => buildApp(services),
      (a) => ({ app: a }),
    );
    if (!app) return;
    if ((await life.start(() => app.listen({ port: config.port, host: config.host }))) === null) return;
    app.log.info(`Tillit is serving ${config.publicUrl} on the ${services.database.kind} database`);
  }
  // The job runner starts once the API answers: on PGlite its start (queues, schedules; the
  // pg-boss schema on a first start) would otherwise add ~1-2 s before /api/health. Until the
  // queue is set, a demo load asked for runs in this process (`requestDemoLoad`).
  const jobs = await life.start(
    () =>
      startJobs(services, {
        worker: config.services.has('worker'),
        scheduler: config.services.has('scheduler'),
      }),
    (j) => ({ jobs: j }),
  );
  if (!jobs) return;
  const boss = jobs.boss;
  if (boss) {
    // A demo load asked for by a request goes through the queue; a full load can take a few
    // minutes on a small machine, so it gets longer than pg-boss's default 15 minutes.
    setDemoQueue(async (payload) => {
      await boss.send(demoLoadJob.name, payload, { expireInSeconds: 3600, retryLimit: 3 });
    });
  }
  if (demo) await life.start(() => startDemoInstance(services, (line) => console.log(line)));
}
