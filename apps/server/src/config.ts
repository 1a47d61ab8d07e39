import path from 'node:path';
import { z } from 'zod';

/**
 * The environment, validated once at start. A process with a bad environment exits and
 * lists every problem (see `loadConfig`). docs/configuration.md describes each variable.
 */
const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  TILLIT_DATA_DIR: z.string().min(1).default('./data'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Tillit <no-reply@localhost>'),
  TRUST_PROXY: booleanish.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCOUNT_PURGE_DELAY_DAYS: z.coerce.number().int().min(0).max(29).default(6),
  SERVICES: z.string().default('api,worker,scheduler'),
  API_KEY_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100000).default(600),
  WEBHOOKS_ALLOW_PRIVATE_URLS: booleanish.default(false),
  FILES_DIR: z.string().min(1).optional(),
  FILES_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  FILES_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(5 * 1024 * 1024 * 1024),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024 * 1024),
});

export type TEnv = z.infer<typeof ZEnv>;

export type Config = {
  env: TEnv['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | null };
  dataDir: string;
  /** Root secret; per-purpose keys are derived from it (see lib/keys.ts). */
  secretKey: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  trustProxy: boolean;
  logLevel: TEnv['LOG_LEVEL'];
  accountPurgeDelayDays: number;
  services: Set<'api' | 'worker' | 'scheduler'>;
  /** Requests a minute each API key may make (token bucket per key, per process). */
  apiKeyRatePerMinute: number;
  /** Let webhooks reach private, loopback and link-local addresses (tests, closed networks). */
  webhooksAllowPrivateUrls: boolean;
  /** Files attached to records: where the local storage keeps them, the largest upload,
   *  and each workspace's default quota (bytes). */
  files: { dir: string; maxBytes: number; quotaBytes: number };
  /** The largest file an import may upload (bytes). */
  importMaxBytes: number;
  /** How long a shutdown waits for requests in flight, background runs and jobs (ms). */
  shutdownGraceMs: number;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = ZEnv.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`));
  }
  const e = parsed.data;
  const services = new Set<'api' | 'worker' | 'scheduler'>();
  const problems: string[] = [];
  for (const s of e.SERVICES.split(',').map((x) => x.trim())) {
    if (s === 'api' || s === 'worker' || s === 'scheduler') services.add(s);
    else problems.push(`SERVICES: unknown service "${s}" (use api, worker, scheduler)`);
  }
  if (e.NODE_ENV === 'production' && e.DATABASE_URL && !e.SECRET_KEY) {
    problems.push('SECRET_KEY: required when DATABASE_URL is set in production');
  }
  if (problems.length) throw new ConfigError(problems);
  const dataDir = path.resolve(e.TILLIT_DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    secretKey: e.SECRET_KEY ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    accountPurgeDelayDays: e.ACCOUNT_PURGE_DELAY_DAYS,
    services,
    apiKeyRatePerMinute: e.API_KEY_RATE_PER_MINUTE,
    webhooksAllowPrivateUrls: e.WEBHOOKS_ALLOW_PRIVATE_URLS,
    files: {
      dir: e.FILES_DIR ? path.resolve(e.FILES_DIR) : path.join(dataDir, 'files'),
      maxBytes: e.FILES_MAX_BYTES,
      quotaBytes: e.FILES_QUOTA_BYTES,
    },
    importMaxBytes: e.IMPORT_MAX_BYTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
  };
}
