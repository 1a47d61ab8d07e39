import PgBoss from 'pg-boss';
import type { Services } from '../services.ts';
import './jobs.index.ts';
import { jobDefinitions, runJob } from './jobs.registry.ts';

export type JobsHandle = {
  boss: PgBoss | null;
  /** Stops fetching jobs and waits up to `timeoutMs` (default 10 s, at least 1 s) for the
   *  running ones; pg-boss marks those still running then as failed (handlers are idempotent). */
  stop(timeoutMs?: number): Promise<void>;
};

/**
 * Starts pg-boss on the same database: `worker` processes jobs, `scheduler` registers the
 * cron schedules. Both run in one process by default; on several machines, run as many
 * workers as needed and the scheduler anywhere (pg-boss keeps schedules singleton).
 */
export async function startJobs(
  services: Services,
  roles: { worker: boolean; scheduler: boolean },
): Promise<JobsHandle> {
  if (!roles.worker && !roles.scheduler) return { boss: null, stop: async () => {} };
  const target = services.database.jobs;
  const boss = new PgBoss({
    ...('connectionString' in target
      ? { connectionString: target.connectionString, max: 4 }
      : { db: target.db as PgBoss.Db }),
    schema: 'pgboss',
    schedule: roles.scheduler,
    supervise: true,
  });
  boss.on('error', (err) => console.error('job queue error', err));
  await boss.start();
  for (const def of jobDefinitions()) {
    await boss.createQueue(def.name);
    if (roles.scheduler && def.cron) await boss.schedule(def.name, def.cron, {}, { tz: 'UTC' });
    if (roles.worker) {
      await boss.work(def.name, async (jobs) => {
        for (const job of jobs) await runJob(services, def, job.data ?? {});
      });
    }
  }
  return {
    boss,
    stop: async (timeoutMs = 10_000) => {
      await boss.stop({ graceful: true, wait: true, timeout: Math.max(1000, timeoutMs) });
    },
  };
}
