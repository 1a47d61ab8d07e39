import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { purgeDeletedAccounts } from './account.purge.ts';

/** Hourly: removes deleted accounts whose purge date has come (P-ACC-3). */
export const purgeDeletedAccountsJob = defineJob({
  name: 'account.purge-deleted',
  version: 1,
  payload: z.object({}),
  cron: '0 * * * *',
  handler: async (services) => purgeDeletedAccounts(services),
});
