import { z } from 'zod';
import { createServices } from '../../bootstrap.ts';
import type { Config } from '../../config.ts';
import { enforceRetention } from './retention.enforce.ts';
import { RETENTION_RULES } from './retention.rules.ts';

const ZArgs = z
  .object({
    workspace: z.uuid({ error: 'must be a workspace id (UUID)' }).optional(),
    rules: z
      .array(
        z.string().refine((k) => RETENTION_RULES.some((r) => r.key === k), {
          error: `must be one of ${RETENTION_RULES.map((r) => r.key).join(', ')}`,
        }),
      )
      .optional(),
  })
  .strict();

/**
 * `node dist/cli.js retention:enforce [--workspace=ID] [--rule=KEY ...]`: runs the daily
 * retention job now, in this process (after a long outage, or to apply a shortened period
 * at once). With rules named, only those run, and the run's audit entry says so. Prints the
 * result as JSON; answers the process exit code.
 */
export async function runRetentionCommand(config: Config, args: string[]): Promise<number> {
  const rules = args.filter((a) => a.startsWith('--rule=')).map((a) => a.slice('--rule='.length));
  const workspace = args.find((a) => a.startsWith('--workspace='))?.slice('--workspace='.length);
  const unknown = args.filter((a) => !a.startsWith('--rule=') && !a.startsWith('--workspace='));
  const parsed = ZArgs.safeParse({ workspace, rules: rules.length ? rules : undefined });
  if (unknown.length > 0 || !parsed.success) {
    for (const a of unknown) console.error(`${a}: unknown argument (use --workspace=ID and --rule=KEY)`);
    for (const issue of parsed.error?.issues ?? []) console.error(`${issue.path.join('.')}: ${issue.message}`);
    return 2;
  }
  const services = await createServices(config);
  try {
    const started = performance.now();
    const result = await enforceRetention(services, {
      ...(parsed.data.workspace ? { workspaceId: parsed.data.workspace } : {}),
      ...(parsed.data.rules ? { rules: parsed.data.rules } : {}),
    });
    console.log(JSON.stringify({ ...result, ms: Math.round(performance.now() - started) }));
    return 0;
  } finally {
    await services.database.close();
  }
}
