import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { members } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { defineJob } from '../../jobs/jobs.registry.ts';
import { runInBackground } from '../../lib/background.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { loadDemoWorkspace } from './demo.service.ts';

export const ZDemoLoadPayload = z
  .object({
    workspaceId: z.uuid(),
    userId: z.uuid(),
    /** How many people (the rest follows); the default is the full demo. */
    people: z.number().int().min(1).max(20_000).optional(),
  })
  .strict();
export type DemoLoadPayload = z.infer<typeof ZDemoLoadPayload>;

/**
 * Loads the demo workspace in the background. Safe to deliver twice or to run again after a
 * crash: the loader skips the batches it finds done (see demo.service.ts).
 */
export const demoLoadJob = defineJob({
  name: 'demo.load',
  version: 1,
  payload: ZDemoLoadPayload,
  handler: async (services, payload) => {
    const actor = await demoActor(services, payload.workspaceId, payload.userId);
    if (!actor) return { outcome: 'not_allowed' };
    const result = await loadDemoWorkspace(services, actor, { people: payload.people });
    return { outcome: result.complete ? 'complete' : 'partial', ...result };
  },
});

/** The user with their role now: only an admin or owner of the workspace loads demo data. */
async function demoActor(services: Services, workspaceId: string, userId: string): Promise<Actor | null> {
  const [m] = await withTenant(services.database.db, { workspaceId, userId }, (tx) =>
    tx
      .select({ role: members.role })
      .from(members)
      .where(and(eq(members.workspaceId, workspaceId), eq(members.userId, userId))),
  );
  if (!m || !roleAtLeast(m.role, 'admin')) return null;
  return { workspaceId, userId, role: m.role, twoFactorEnabled: true };
}

/** How a request hands the load to the queue. main.ts sets pg-boss's `send` when this
 *  process runs the queue; otherwise (and in tests) the load runs in this process. */
export type DemoQueue = (payload: DemoLoadPayload) => Promise<void>;
let queue: DemoQueue | null = null;

export function setDemoQueue(q: DemoQueue | null): void {
  queue = q;
}

/** Asks for the demo load and returns at once; errors go to `onError`, never to the caller. */
export function requestDemoLoad(services: Services, payload: DemoLoadPayload, onError: (err: unknown) => void): void {
  const q = queue;
  if (q) {
    q(payload).catch(onError);
    return;
  }
  runInBackground('demo.load', () => demoLoadJob.handler(services, ZDemoLoadPayload.parse(payload)), onError);
}
