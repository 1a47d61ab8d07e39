import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { sealAccessLog } from './access-log.service.ts';

/** Every minute: the access rows written since the last run are sealed into the chain. */
export const sealAccessLogJob = defineJob({
  name: 'access-log.seal',
  version: 1,
  payload: z.object({}),
  cron: '* * * * *',
  handler: async (services) => sealAccessLog(services.database.db, services.clock.now()),
});
