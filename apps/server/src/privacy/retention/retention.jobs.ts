import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { enforceRetention } from './retention.enforce.ts';

/**
 * Daily at 02:30 UTC (P-RET-1): every retention rule deletes or anonymises what has
 * expired; terminated workspaces past their period are deleted (P-ACC-5). With a
 * workspace named, only that one (its rules and termination; not the instance rules).
 */
export const enforceRetentionJob = defineJob({
  name: 'retention.enforce',
  version: 1,
  payload: z.object({ workspaceId: z.uuid().optional() }).strict(),
  cron: '30 2 * * *',
  handler: async (services, payload) =>
    enforceRetention(services, payload.workspaceId ? { workspaceId: payload.workspaceId } : {}),
});
