import type { App } from './app.ts';
import { buildApp } from './app.ts';
import { createServices } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startJobs } from './jobs/jobs.runner.ts';
import { demoLoadJob, setDemoQueue } from './modules/demo/demo.jobs.ts';
import { startDemoInstance } from './modules/demo/demo.start.ts';
import { createShutdown } from './shutdown.ts';

/** Entry point: `node dist/main.js [--services=api,worker,scheduler] [--demo]`. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const servicesArg = args.find((a) => a.startsWith('--services='));
  const env = { ...process.env };
  if (servicesArg) env.SERVICES = servicesArg.slice('--services='.length);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const services = await createServices(config);
  let app: App | null = null;
  if (config.services.has('api')) {
    app = await buildApp(services);
    await app.listen({ port: config.port, host: config.host });
    app.log.info(`Tillit is serving ${config.publicUrl} on the ${services.database.kind} database`);
  }
  // The job runner starts once the API answers: on PGlite its start (queues, schedules; the
  // pg-boss schema on a first start) would otherwise add ~1-2 s before /api/health. Until the
  // queue is set, a demo load asked for runs in this process (`requestDemoLoad`).
  const jobs = await startJobs(services, {
    worker: config.services.has('worker'),
    scheduler: config.services.has('scheduler'),
  });
  const boss = jobs.boss;
  if (boss) {
    // A demo load asked for by a request goes through the queue; a full load can take a few
    // minutes on a small machine, so it gets longer than pg-boss's default 15 minutes.
    setDemoQueue(async (payload) => {
      await boss.send(demoLoadJob.name, payload, { expireInSeconds: 3600, retryLimit: 3 });
    });
  }
  if (args.includes('--demo')) await startDemoInstance(services, (line) => console.log(line));
  const shutdown = createShutdown({
    app,
    jobs,
    database: services.database,
    graceMs: config.shutdownGraceMs,
    log: app?.log ?? console,
  });
  const stop = () => {
    shutdown().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal (Ctrl-C pressed again, SIGTERM after SIGINT) must not
  // kill a shutdown in progress with the default action; the shutdown is bounded by its grace.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
