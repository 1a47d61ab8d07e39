import { z } from 'zod';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { sweepStorage } from './files.sweep.ts';
import { sweepThumbnails } from './files.thumbnails.ts';

/**
 * Every minute: the thumbnails of images still pending (an upload makes its own at once in
 * the API process; this catches up after a restart or a crash). With a payload, one file.
 */
export const thumbnailsJob = defineJob({
  name: 'files.thumbnails',
  version: 1,
  payload: z.object({ workspaceId: z.uuid().optional(), fileId: z.uuid().optional() }),
  cron: '* * * * *',
  handler: async (services, payload) =>
    sweepThumbnails(
      services,
      payload.workspaceId && payload.fileId ? { workspaceId: payload.workspaceId, fileId: payload.fileId } : undefined,
    ),
});

/** Daily: stored bytes no file row refers to (and folders of deleted workspaces) are deleted. */
export const sweepStorageJob = defineJob({
  name: 'files.sweep',
  version: 1,
  payload: z.object({}),
  cron: '40 3 * * *',
  handler: async (services) => sweepStorage(services),
});
