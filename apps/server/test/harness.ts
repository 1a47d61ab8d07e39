import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { type App, buildApp } from '../src/app.ts';
import { createServices } from '../src/bootstrap.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/client.ts';
import { createManualClock, type ManualClock } from '../src/lib/clock.ts';
import { createMemoryTransport, type OutgoingMail } from '../src/mail/mail.transport.ts';
import type { Services } from '../src/services.ts';

/**
 * Test harness. `describeEachDatabase` runs a suite on PGlite and, when TEST_DATABASE_URL is
 * set, again on a fresh PostgreSQL database created for that suite and dropped after it.
 */
export type DatabaseKindUnderTest = 'pglite' | 'postgres';

export function databasesUnderTest(): DatabaseKindUnderTest[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export async function openTestDatabase(
  kind: DatabaseKindUnderTest,
): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ kind: 'pglite', dataDir: null });
    return { database, drop: async () => {} };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `tillit_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 10 });
  return {
    database,
    drop: async () => {
      await database.close();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export type TestEnv = {
  kind: DatabaseKindUnderTest;
  services: Services;
  app: App;
  clock: ManualClock;
  mail: ReturnType<typeof createMemoryTransport>;
  config: Config;
  client(): TestClient;
};

export type TestEnvOptions = {
  rateLimit?: { window: number; max: number; signInMax: number };
  env?: Record<string, string>;
  /** Use the mail transport the configuration picks (SMTP_URL or the outbox) instead of memory. */
  realMail?: boolean;
};

export async function createTestEnv(kind: DatabaseKindUnderTest, options: TestEnvOptions = {}) {
  const { database, drop } = await openTestDatabase(kind);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tillit-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    TILLIT_DATA_DIR: dataDir,
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const clock = createManualClock(new Date('2026-01-05T09:00:00Z'));
  const mail = createMemoryTransport();
  const services = await createServices(config, {
    database,
    clock,
    ...(options.realMail ? {} : { mail }),
    rateLimit: options.rateLimit ?? { window: 60, max: 100000, signInMax: 100000 },
  });
  const app = await buildApp(services, { webDist: null, logger: false });
  await app.ready();
  const env: TestEnv = { kind, services, app, clock, mail, config, client: () => new TestClient(app) };
  return {
    env,
    close: async () => {
      await app.close();
      await drop();
      if (kind === 'pglite') await database.close();
    },
  };
}

/** Runs `fn` once per database under test, with a fresh environment for each. */
export function describeEachDatabase(name: string, fn: (get: () => TestEnv) => void, options: TestEnvOptions = {}) {
  for (const kind of databasesUnderTest()) {
    describe(`${name} [${kind}]`, () => {
      let env: TestEnv | undefined;
      let close: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const created = await createTestEnv(kind, options);
        env = created.env;
        close = created.close;
      }, 60_000);
      afterAll(async () => {
        await close?.();
      }, 60_000);
      fn(() => {
        if (!env) throw new Error('test environment not ready');
        return env;
      });
    });
  }
}

export type TestResponse<T = unknown> = { status: number; body: T; headers: Record<string, unknown>; text: string };

/** An HTTP client over app.inject with a cookie jar and a same-origin Origin header, like a browser. */
export class TestClient {
  private cookies = new Map<string, string>();
  workspaceId: string | null = null;
  constructor(private readonly app: App) {}

  async request<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<TestResponse<T>> {
    const h: Record<string, string> = { origin: 'http://localhost:3000', ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.workspaceId && !('x-tillit-workspace' in h)) h['x-tillit-workspace'] = this.workspaceId;
    const res = await this.app.inject({
      method,
      url,
      headers: body !== undefined ? { 'content-type': 'application/json', ...h } : h,
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = res.body;
    }
    return { status: res.statusCode, body: parsed as T, headers: res.headers, text: res.body };
  }

  get<T = Record<string, unknown>>(url: string, headers?: Record<string, string>) {
    return this.request<T>('GET', url, undefined, headers);
  }
  post<T = Record<string, unknown>>(url: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request<T>('POST', url, body, headers);
  }
  patch<T = Record<string, unknown>>(url: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request<T>('PATCH', url, body, headers);
  }
  put<T = Record<string, unknown>>(url: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request<T>('PUT', url, body, headers);
  }
  delete<T = Record<string, unknown>>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('DELETE', url, body, headers);
  }
  /** Takes the Set-Cookie headers of a response made outside this client (e.g. a direct
   *  `auth.api` call with `asResponse: true`) into the jar. */
  setCookiesFrom(headers: Headers): void {
    for (const c of headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim())) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  /** The value of a cookie in the jar (URL-decoded). */
  cookie(name: string): string | undefined {
    const v = this.cookies.get(name);
    return v === undefined ? undefined : decodeURIComponent(v);
  }
  hasSession(): boolean {
    return [...this.cookies.keys()].some((k) => k.includes('session_token'));
  }
  clearCookies(): void {
    this.cookies.clear();
  }
}

/** The link in the newest message to `to` whose kind matches. */
export function lastMailTo(sent: OutgoingMail[], to: string, kind?: string): OutgoingMail {
  const found = [...sent].reverse().find((m) => m.to === to && (!kind || m.kind === kind));
  if (!found) throw new Error(`no mail to ${to}${kind ? ` of kind ${kind}` : ''}`);
  return found;
}

export function linkIn(mail: OutgoingMail): string {
  const m = mail.text.match(/https?:\/\/\S+/);
  if (!m) throw new Error(`no link in mail "${mail.subject}"`);
  return m[0];
}
