import { expect, it } from 'vitest';
import { z } from 'zod';
import { describeEachDatabase } from '../../test/harness.ts';
import { defineJob, runJob } from './jobs.registry.ts';
import { startJobs } from './jobs.runner.ts';

const seen: number[] = [];
const echo = defineJob({
  name: 'test.echo',
  version: 1,
  payload: z.object({ n: z.number().int() }).strict(),
  handler: async (_services, payload) => {
    seen.push(payload.n);
    return { n: payload.n };
  },
});

describeEachDatabase('the job queue', (env) => {
  it('runs jobs through pg-boss on this database', async () => {
    const jobs = await startJobs(env().services, { worker: true, scheduler: true });
    try {
      expect(jobs.boss).not.toBeNull();
      await jobs.boss?.send('test.echo', { n: 41 });
      const deadline = Date.now() + 20_000;
      while (!seen.includes(41) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(seen).toContain(41);
    } finally {
      await jobs.stop();
    }
  }, 40_000);

  it('validates a payload before the handler sees it', async () => {
    await expect(runJob(env().services, echo, { n: 'x' })).rejects.toThrow();
    await expect(runJob(env().services, echo, { n: 2 })).resolves.toEqual({ n: 2 });
  });
});
