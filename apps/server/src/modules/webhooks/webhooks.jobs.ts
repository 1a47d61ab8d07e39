import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { deliverAll } from './webhooks.service.ts';

/** Every minute: fan out new record events and send the webhook deliveries that are due. */
export const deliverWebhooksJob = defineJob({
  name: 'webhooks.deliver',
  version: 1,
  payload: z.object({}),
  cron: '* * * * *',
  handler: async (services) => deliverAll(services),
});
