import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databasesUnderTest } from '../test/harness.ts';

const serverDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** A new PostgreSQL database under TEST_DATABASE_URL, and how to drop it. */
async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tillit_start_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Runs `node src/main.ts` (through tsx) as the service manager would. */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  return { child, output: () => output };
}

/** The environment of a first start on a new database (PGlite in a new data directory, or a
 *  new PostgreSQL database). */
async function newInstance(kind: 'pglite' | 'postgres') {
  const database = kind === 'postgres' ? await postgresDatabase() : null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tillit-start-'));
  const env = {
    NODE_ENV: 'production',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://localhost:3000',
    TILLIT_DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_SECONDS: '30',
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  /** Whether the process has begun to open its database (after its modules are loaded). */
  const opening = async (): Promise<boolean> => {
    if (!database) return existsSync(path.join(dataDir, 'pglite'));
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return Number(rows[0]?.n) > 0;
    } finally {
      await client.end();
    }
  };
  return { env, opening, drop: async () => database?.drop() };
}

/** Starts `node src/main.ts`, sends SIGTERM once `ready()` holds, and says how it ended. */
async function terminateWhen(
  kind: 'pglite' | 'postgres',
  ready: (instance: Awaited<ReturnType<typeof newInstance>>, output: () => string) => Promise<boolean>,
) {
  const instance = await newInstance(kind);
  const { child, output } = startMain(instance.env);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await expect.poll(() => ready(instance, output), { timeout: 60_000, interval: 5 }).toBe(true);
    child.kill('SIGTERM');
    return { ...(await exited), output: output() };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await instance.drop();
  }
}

for (const kind of databasesUnderTest()) {
  describe(`start-up [${kind}]`, () => {
    it('a SIGTERM while the database opens and migrates: the step ends, nothing more starts, exit 0, not by the signal', async () => {
      const end = await terminateWhen(kind, (instance) => instance.opening());
      expect({ code: end.code, signal: end.signal }, end.output).toEqual({ code: 0, signal: null });
      expect(end.output).toContain('Shutting down');
      expect(end.output).not.toContain('Tillit is serving');
    }, 90_000);

    it('a SIGTERM once the API answers, while the job runner starts: a graceful shutdown, exit 0, not by the signal', async () => {
      // The job runner starts right after this line (pg-boss: queues, schedules, its schema
      // on a first start), so the signal arrives while it starts.
      const end = await terminateWhen(kind, async (_, output) => output().includes('Tillit is serving'));
      expect({ code: end.code, signal: end.signal }, end.output).toEqual({ code: 0, signal: null });
      expect(end.output).toContain('Shutting down');
    }, 90_000);
  });
}
