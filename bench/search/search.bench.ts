/**
 * Measures the global search at issue 5's scale on PostgreSQL: the workspace of
 * `bench/src/generate.ts` (1,000,000 people with an email and a phone, 100,000 companies,
 * no deals, timeline or tasks, which the search does not read), under row-level
 * security (role tillit_app), through the service, as the owner and as a member.
 *
 * The data set is built once and kept: the first run creates the database (default
 * `search_1m`) and fills it with the generator, which also writes the search index by the
 * application's own rules (`bench/src/search-index.ts`; a sample is then checked with
 * `reindexRecords`, which must find nothing to change). Later runs only measure. Drop the database when done: `DROP DATABASE search_1m WITH (FORCE)`.
 *
 *   SEARCH_BENCH_URL=postgres://tillit_ci@127.0.0.1:5432/search_1m \
 *     npx vitest run --config bench/search/vitest.config.ts
 *
 * Per query class (a last name, the same with two letters swapped, a full name, an email
 * prefix `first.last` as the issue 5 workload types them, and a phone as typed nationally)
 * it times SAMPLES different queries one at a time after a warm-up and reports p50, p95 and
 * p99, with the load average of the machine at the time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../apps/server/src/app.ts';
import { createServices } from '../../apps/server/src/bootstrap.ts';
import { loadConfig } from '../../apps/server/src/config.ts';
import { openDatabase } from '../../apps/server/src/db/client.ts';
import { withTenant } from '../../apps/server/src/db/tenant.ts';
import { createManualClock } from '../../apps/server/src/lib/clock.ts';
import { createMemoryTransport } from '../../apps/server/src/mail/mail.transport.ts';
import { reindexRecords } from '../../apps/server/src/modules/search/search.index.ts';
import { search } from '../../apps/server/src/modules/search/search.service.ts';
import type { Actor } from '../../apps/server/src/modules/workspaces/workspaces.service.ts';
import { ownerWithWorkspaceDirect } from '../../apps/server/src/modules/workspaces/workspaces.test-helpers.ts';
import { TestClient, type TestEnv } from '../../apps/server/test/harness.ts';
import { openCopyTarget } from '../src/copy-target.ts';
import { FULL_SCALE, generateWorkspaceData } from '../src/generate.ts';

const URL_ = process.env.SEARCH_BENCH_URL ?? 'postgres://tillit_ci@127.0.0.1:5432/search_1m';
const SAMPLES = Number(process.env.SEARCH_BENCH_SAMPLES ?? 100);
const WORKSPACE = 'Search bench';
const SCALE = { ...FULL_SCALE, deals: 0, timeline: 0, tasks: 0 };

let env: TestEnv;
let closeAll: () => Promise<void>;
let client: pg.Client;

const lines: string[] = [];
const log = (s: string) => {
  lines.push(s);
  console.log(s);
};

async function ensureDatabase(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: u.toString() });
  await admin.connect();
  const had = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (had.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return had.rowCount === 0;
}

beforeAll(async () => {
  await ensureDatabase(URL_);
  const database = await openDatabase({ kind: 'postgres', url: URL_, poolSize: 10 });
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://localhost:3000',
    TILLIT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tillit-search-bench-')),
    SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
  });
  const clock = createManualClock(new Date('2026-01-05T09:00:00Z'));
  const mail = createMemoryTransport();
  const services = await createServices(config, {
    database,
    clock,
    mail,
    rateLimit: { window: 60, max: 100000, signInMax: 100000 },
  });
  const app = await buildApp(services, { webDist: null, logger: false });
  await app.ready();
  env = { kind: 'postgres', services, app, clock, mail, config, client: () => new TestClient(app) };
  client = new pg.Client({ connectionString: URL_ });
  await client.connect();
  closeAll = async () => {
    await client.end();
    await app.close();
    await database.close();
  };
});

afterAll(async () => {
  await closeAll?.();
});

async function q<R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> {
  return (await client.query(text, params)).rows as R[];
}

/** Builds the data set and its search index, once. */
async function build(): Promise<{ workspaceId: string; ownerId: string }> {
  const t0 = performance.now();
  const o = await ownerWithWorkspaceDirect(env, WORKSPACE);
  const target = await openCopyTarget({ kind: 'postgres', url: URL_ });
  const generated = await generateWorkspaceData(target, {
    workspaceId: o.workspaceId,
    ownerId: o.owner.userId,
    scale: SCALE,
  });
  await target.commit();
  await target.close();
  log(`generated ${JSON.stringify(generated.counts)} in ${Math.round(performance.now() - t0)} ms`);
  // The generator wrote the search index by the application's rules (bench/src/search-index.ts).
  await client.query('vacuum analyze');
  return { workspaceId: o.workspaceId, ownerId: o.owner.userId };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

it('builds once, then measures the search', async () => {
  // Row-level security binds this session too: the system scope lists workspaces, and the
  // workspace's own scope shows its members.
  await client.query(`select set_config('app.scope', 'system', false)`);
  const found = await q<{ id: string }>(`select workspace_id::text id from workspaces where name = $1`, [WORKSPACE]);
  await client.query(`select set_config('app.scope', '', false)`);
  let ws: string;
  let ownerId: string;
  if (found[0]) {
    ws = found[0].id;
    await client.query(`select set_config('app.workspace_id', $1, false)`, [ws]);
    const m = await q<{ id: string }>(
      `select user_id::text id from members where workspace_id = $1 and role = 'owner'`,
      [ws],
    );
    ownerId = m[0]?.id as string;
  } else {
    ({ workspaceId: ws, ownerId } = await build());
  }
  await client.query(`select set_config('app.workspace_id', $1, false)`, [ws]);
  const owner: Actor = { workspaceId: ws, userId: ownerId, role: 'owner', twoFactorEnabled: false };
  const member: Actor = {
    workspaceId: ws,
    userId: '00000000-0000-7000-8000-000000000001',
    role: 'member',
    twoFactorEnabled: false,
  };
  const count = await q<{ n: number }>(`select count(*)::int n from people where workspace_id = $1`, [ws]);
  log(`people: ${count[0]?.n}`);

  // The index must agree with the application's rules.
  const sampleIds = (
    await q<{ id: string }>(
      `select person_id::text id from people where workspace_id = $1 order by md5(person_id::text) limit 300`,
      [ws],
    )
  ).map((r) => r.id);
  const changed = await withTenant(env.services.database.db, { workspaceId: ws }, (tx) =>
    reindexRecords(tx, ws, 'person', sampleIds),
  );
  expect(changed).toEqual({ added: 0, removed: 0 });

  // Sample people (not private), a fixed pseudo-random choice, and the queries the issue 5
  // workload types for them (bench/src/generate.ts: sampleSearches), plus a phone.
  const sample = await q<{ first_name: string; last_name: string; phone: string }>(
    `select p.first_name, p.last_name, ph.phone from people p
       join person_phones ph on ph.workspace_id = p.workspace_id and ph.person_id = p.person_id
      where p.workspace_id = $1 and p.visibility = 'workspace'
      order by md5(p.person_id::text || 'q') limit $2`,
    [ws, SAMPLES],
  );
  const swap = (l: string) => (l.length > 3 ? `${l.slice(0, 1)}${l[2]}${l[1]}${l.slice(3)}` : l);
  const national = (e164: string) => {
    const d = e164.replace(/^\+47/, '');
    return `${d.slice(0, 3)} ${d.slice(3, 5)} ${d.slice(5)}`;
  };
  const classes: [string, string[]][] = [
    ['last name', sample.map((p) => p.last_name)],
    ['last name, two letters swapped', sample.map((p) => swap(p.last_name))],
    ['full name', sample.map((p) => `${p.first_name} ${p.last_name}`)],
    ['email prefix', sample.map((p) => `${p.first_name.toLowerCase()}.${p.last_name.toLowerCase()}`)],
    ['phone, national', sample.map((p) => national(p.phone))],
  ];
  const only = process.env.SEARCH_BENCH_ONLY;
  log('');
  log(`load average before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  log(`| query (${SAMPLES} each) | example | owner p50 / p95 / p99 ms | member p50 / p95 / p99 ms | found |`);
  log('|---|---|---|---|---|');
  for (const [label, queries] of classes) {
    if (only && !label.startsWith(only)) continue;
    const times: Record<'owner' | 'member', number[]> = { owner: [], member: [] };
    let found = 0;
    for (const [who, actor] of [
      ['owner', owner],
      ['member', member],
    ] as const) {
      for (const text of queries.slice(0, 5)) await search(env.services, actor, { q: text, limit: 10 });
      for (const text of queries) {
        const t = performance.now();
        const r = await search(env.services, actor, { q: text, limit: 10 });
        times[who].push(performance.now() - t);
        if (who === 'owner' && r.items.length > 0) found++;
      }
    }
    const f = (xs: number[]) => `${r1(pct(xs, 50))} / ${r1(pct(xs, 95))} / ${r1(pct(xs, 99))}`;
    log(`| ${label} | \`${queries[0]}\` | ${f(times.owner)} | ${f(times.member)} | ${found}/${queries.length} |`);
  }
  log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log(`\n\n${lines.join('\n')}`);
});
