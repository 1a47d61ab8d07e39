import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { sendTaskReminders } from './reminders.service.ts';

/** Every minute: task reminders whose time has come, in the app and by email (P-CRM-4). */
export const taskRemindersJob = defineJob({
  name: 'tasks.remind',
  version: 1,
  payload: z.object({}),
  cron: '* * * * *',
  handler: async (services) => sendTaskReminders(services),
});
