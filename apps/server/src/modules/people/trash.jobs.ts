import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { purgeTrash } from './trash.service.ts';

/** Daily: people and companies deleted more than 30 days ago go for good (P-ACC-4). */
export const purgeTrashJob = defineJob({
  name: 'trash.purge',
  version: 1,
  payload: z.object({}),
  cron: '15 3 * * *',
  handler: async (services) => purgeTrash(services),
});
