import type { z } from 'zod';
import type { Services } from '../services.ts';

/**
 * A background job: a name, a version, a payload schema and a handler. Handlers read the
 * time from `services.clock`, so a test can move the clock and call `runJob` directly to
 * see exactly what the scheduled run would do. Handlers must be idempotent: pg-boss may
 * deliver a job twice, and a run cut short is simply run again.
 */
export type JobDefinition<S extends z.ZodType = z.ZodType> = {
  name: string;
  version: number;
  payload: S;
  /** Cron expression (UTC) when the scheduler should run it, if it is periodic. */
  cron?: string;
  handler(services: Services, payload: z.infer<S>): Promise<JobResult>;
};

export type JobResult = Record<string, number | string | boolean>;

const definitions = new Map<string, JobDefinition>();

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  if (definitions.has(def.name)) throw new Error(`job ${def.name} is defined twice`);
  definitions.set(def.name, def as unknown as JobDefinition);
  return def;
}

export function jobDefinitions(): JobDefinition[] {
  return [...definitions.values()];
}

/** Runs one job's handler now, validating its payload first. */
export async function runJob<S extends z.ZodType>(
  services: Services,
  def: JobDefinition<S>,
  payload: unknown = {},
): Promise<JobResult> {
  const parsed = def.payload.parse(payload);
  return def.handler(services, parsed);
}
