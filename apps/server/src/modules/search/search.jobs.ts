import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { backfillSearchIndex } from './search.backfill.ts';

/** Every 10 minutes: indexes what is not indexed yet (after the upgrade that brings search,
 *  or a change of its rules), a bounded number of batches per run; idle once done. */
export const searchBackfillJob = defineJob({
  name: 'search.backfill',
  version: 1,
  payload: z.object({
    batchSize: z.number().int().min(1).max(5000).default(500),
    maxBatches: z.number().int().min(1).max(100_000).default(400),
  }),
  cron: '*/10 * * * *',
  handler: async (services, payload) => backfillSearchIndex(services, payload),
});
