import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../apps/server/src/app.ts';
import { createServices } from '../../apps/server/src/bootstrap.ts';
import { loadConfig } from '../../apps/server/src/config.ts';
import { openDatabase } from '../../apps/server/src/db/client.ts';
import { withTenant } from '../../apps/server/src/db/tenant.ts';
import { expireConsentsIn } from '../../apps/server/src/privacy/consent/consent.jobs.ts';
import { consentExpiry } from '../../apps/server/src/privacy/consent/consent.lifetime.ts';
import { consentStateAt } from '../../apps/server/src/privacy/consent/consent.service.ts';
import { enforceRetention } from '../../apps/server/src/privacy/retention/retention.enforce.ts';
import { startBareServer } from './bare-server.ts';
import { openCopyTarget } from './copy-target.ts';
import { generateWorkspaceData } from './generate.ts';
import { drive } from './load.ts';
import { freePort, startCommand } from './processes.ts';
import { mergeReports, renderMarkdown } from './report.ts';
import { createRng, uuid7 } from './rng.ts';
import { type DatabaseUnderBench, parseOnly, runDatabaseSuite, type SuiteDeps } from './suite.ts';

// A smoke run of the benchmark code at a tiny scale, with the servers in this process.
// It proves the generator, the workloads and the report still work; it asserts no timing.

const SMOKE_SCALE = {
  people: 300,
  companies: 30,
  deals: 60,
  timeline: 1_000,
  tasks: 50,
  importRows: 200,
  retentionRows: 500,
};

async function startTillitInProcess(db: DatabaseUnderBench, dataDir: string) {
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SECRET_KEY: 'bench-smoke-secret-key-0123456789abcdef',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TILLIT_DATA_DIR: db.kind === 'pglite' ? db.dataDir : dataDir,
    ...(db.kind === 'postgres' ? { DATABASE_URL: db.appUrl } : {}),
  });
  const services = await createServices(config);
  const app = await buildApp(services);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      await app.close();
      await services.database.close();
    },
  };
}

function inProcessDeps(scratch: string): SuiteDeps {
  return {
    startTillit: (db) => startTillitInProcess(db, scratch),
    startBare: async (db, workspaceId) => {
      const port = await freePort();
      return db.kind === 'postgres'
        ? startBareServer({ kind: 'postgres', url: db.adminUrl, workspaceId, port })
        : startBareServer({ kind: 'pglite', dataDir: path.join(db.dataDir, 'pglite'), workspaceId, port });
    },
    runRetention: async (db, workspaceId) => {
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        SECRET_KEY: 'bench-smoke-secret-key-0123456789abcdef',
        TILLIT_DATA_DIR: db.kind === 'pglite' ? db.dataDir : scratch,
        ...(db.kind === 'postgres' ? { DATABASE_URL: db.appUrl } : {}),
      });
      const services = await createServices(config);
      try {
        return await enforceRetention(services, { workspaceId, rules: ['trash'] });
      } finally {
        await services.database.close();
      }
    },
  };
}

/** The generated consent ledger is one the application could have written: every record
 *  names a published notice with its hash, `seq` follows time, a given consent lapses after
 *  the purpose's 24 months, the expiry job finds nothing it would still append as of the end
 *  of the generated period, and the application reads each person's state from it. */
async function checkConsentLedger(pgliteDir: string, records: number): Promise<void> {
  const database = await openDatabase({ kind: 'pglite', dataDir: pgliteDir });
  try {
    const q = async <R>(text: string, params?: unknown[]) => (await database.raw.query<R>(text, params)).rows;
    const [ws] = await q<{ workspace_id: string }>(`select workspace_id from workspaces where name = 'Bench AS'`);
    const workspaceId = ws?.workspace_id as string;
    const rows = await q<{
      person_id: string;
      state: string;
      recorded_at: string;
      expires_at: string | null;
      method: string;
      proof: string | null;
    }>(
      `select person_id, state, recorded_at, expires_at, method, proof from consent_records
        where workspace_id = $1 order by seq`,
      [workspaceId],
    );
    // The erasure workload erased a few people, and their ledgers with them.
    expect(rows.length).toBeLessThanOrEqual(records);
    expect(rows.length).toBeGreaterThan(0.8 * records);
    const states = new Set(rows.map((r) => r.state));
    expect([...states].sort()).toEqual(['expired', 'given', 'withdrawn']);
    const unnamed = await q<{ n: number }>(
      `select count(*)::int as n from consent_records c left join privacy_notices n
          on n.workspace_id = c.workspace_id and n.version = c.notice_version and n.text_hash = c.notice_text_hash
        where c.workspace_id = $1 and n.version is null`,
      [workspaceId],
    );
    expect(unnamed[0]?.n).toBe(0);
    for (let i = 1; i < rows.length; i++) {
      expect(new Date(rows[i]?.recorded_at as string) >= new Date(rows[i - 1]?.recorded_at as string)).toBe(true);
    }
    for (const r of rows) {
      if (r.state === 'given') {
        expect(new Date(r.expires_at as string).toISOString()).toBe(
          consentExpiry(24, new Date(r.recorded_at))?.toISOString(),
        );
      } else expect(r.expires_at).toBeNull();
      if (r.state === 'given' && r.method === 'import_with_proof') expect(r.proof).toBeTruthy();
    }
    const endOfPeriod = new Date(Date.UTC(2026, 0, 1));
    await withTenant(database.db, { workspaceId }, async (tx) => {
      expect(await expireConsentsIn(tx, workspaceId, endOfPeriod)).toBe(0);
      // The application's reading of each person's ledger is its last record.
      const last = new Map<string, string>();
      for (const r of rows) last.set(r.person_id, r.state);
      for (const [personId, state] of [...last].slice(0, 20)) {
        const read = await consentStateAt(tx, workspaceId, personId, endOfPeriod);
        const s = read.get('marketing.email')?.state;
        expect(state === 'given' ? ['given', 'expired'] : [state]).toContain(s);
      }
    });
  } finally {
    await database.close();
  }
}

describe('benchmarks (smoke, tiny scale)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'tillit-bench-smoke-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('the embedded start runs what `npm start` runs, flags included (package.json)', () => {
    const start = startCommand();
    expect(start.script).toBe('scripts/start.mjs');
    // Decision 0010: PGlite's WebAssembly on V8's baseline compiler only.
    expect(start.nodeArgs).toContain('--liftoff-only');
  });

  it('requests that fail are counted with what failed, and the report says failed instead of a ratio', async () => {
    const { createServer } = await import('node:http');
    const port = await freePort();
    const failing = createServer((_req, res) => {
      res.statusCode = 500;
      res.end('no');
    });
    await new Promise<void>((r) => failing.listen(port, '127.0.0.1', r));
    try {
      const r = await drive({ url: `http://127.0.0.1:${port}`, connections: 2, seconds: 1, paths: () => '/x' });
      expect(r.failures).toBeGreaterThan(0);
      expect(r.failedBy?.non2xx).toBe(r.failures);
    } finally {
      await new Promise((r) => failing.close(r));
    }
    const row = (failed?: string) => ({
      workload: 'GET one person by id, signed in, 50 concurrent',
      database: 'pglite' as const,
      tillit: { reqPerSec: 13.5, p50: 9000, p99: 10000, requests: 135, failures: 68 },
      baseline: { reqPerSec: 2000, p50: 20, p99: 40, requests: 20000, failures: 0 },
      ratio: null,
      target: '>= 0.5 of bare req/s; p99 < 25 ms',
      met: false,
      ...(failed ? { failed } : {}),
    });
    const md = renderMarkdown({
      date: '2026-11-26T00:00:00.000Z',
      machine: { cpu: 'test', cores: 2, memoryGb: 1, node: process.version },
      scale: 'test',
      quick: false,
      generate: [],
      results: [row('Tillit: 68 of 135 requests failed (68 timeouts, 0 errors, 0 non-2xx)')],
      throughput: [],
      start: null,
    });
    expect(md).toContain('| no (failed: Tillit: 68 of 135 requests failed (68 timeouts, 0 errors, 0 non-2xx)) |');
  });

  it('a page put together from separate runs shows every row of each and names each run', () => {
    const run = (database: 'postgres' | 'pglite', date: string) => ({
      date,
      machine: { cpu: 'test', cores: 2, memoryGb: 1, node: process.version },
      scale: `${database} data`,
      quick: false,
      generate: [{ database, ms: 1000 }],
      results: [
        {
          workload: 'GET one person by id, signed in, 50 concurrent',
          database,
          tillit: { reqPerSec: 100, p50: 1, p99: 2, requests: 1000, failures: 0 },
          baseline: { reqPerSec: 200, p50: 1, p99: 2, requests: 2000, failures: 0 },
          ratio: 0.5,
          target: '>= 0.5 of bare req/s; p99 < 25 ms',
          met: true,
        },
      ],
      throughput: [],
      start: database === 'postgres' ? { ms: 1400, idleRssMb: 233, target: '< 5000 ms', met: true } : null,
    });
    const page = mergeReports([run('postgres', '2026-11-26T10:08:00.000Z'), run('pglite', '2026-11-26T10:55:00.000Z')]);
    const md = renderMarkdown(page);
    expect(md).toContain('| GET one person by id, signed in, 50 concurrent | postgres |');
    expect(md).toContain('| GET one person by id, signed in, 50 concurrent | pglite |');
    expect(md).toContain('  - 2026-11-26T10:08:00.000Z: postgres; postgres data');
    expect(md).toContain('  - 2026-11-26T10:55:00.000Z: pglite; pglite data');
    expect(md).toContain('idle RSS 233 MB');
    expect(md).toContain('- Machine: test, 2 cores');
    expect(() => mergeReports([])).toThrow(/at least one/);
    // Runs on two machines: each run names its own, the machine line both.
    const elsewhere = {
      ...run('pglite', '2026-11-27T09:00:00.000Z'),
      machine: { ...run('pglite', '').machine, cpu: 'other' },
    };
    const mixed = renderMarkdown(mergeReports([run('postgres', '2026-11-26T10:08:00.000Z'), elsewhere]));
    expect(mixed).toContain('  - 2026-11-26T10:08:00.000Z: postgres; postgres data; on test');
    expect(mixed).toContain('  - 2026-11-27T09:00:00.000Z: pglite; pglite data; on other');
    expect(mixed).toContain('- Machine: test / other, 2 cores');
    // A partial run after a full one: its rows replace the full run's of the same workload
    // and database, whatever the order the files are given in.
    const later = run('postgres', '2026-11-28T09:00:00.000Z');
    const again = {
      ...later,
      only: ['get'],
      results: later.results.map((r) => ({ ...r, tillit: { ...r.tillit, reqPerSec: 150 } })),
    };
    const merged = mergeReports([
      again,
      run('postgres', '2026-11-26T10:08:00.000Z'),
      run('pglite', '2026-11-26T10:55:00.000Z'),
    ]);
    expect(merged.results.map((r) => [r.database, r.tillit?.reqPerSec])).toEqual([
      ['postgres', 150],
      ['pglite', 100],
    ]);
    // The re-run on the kept data set repeats its generation: named once, another one kept.
    expect(merged.generate).toEqual([
      { database: 'postgres', ms: 1000 },
      { database: 'pglite', ms: 1000 },
    ]);
    const regenerated = mergeReports([merged, { ...later, generate: [{ database: 'postgres', ms: 2000 }] }]);
    expect(regenerated.generate.map((g) => g.ms)).toEqual([1000, 1000, 2000]);
    // A re-run with another row count (--retention-rows) replaces the row of the same workload.
    const purge = (rows: number, date: string) => ({
      ...run('pglite', date),
      results: [],
      throughput: [
        {
          workload: `retention purge of ${rows} expired rows`,
          database: 'pglite' as const,
          tillit: { rows, ms: 1000, rowsPerSec: rows },
          baseline: { rows, ms: 1000, rowsPerSec: rows },
          ratio: 1,
          target: '>= 0.5 of the bare DELETE rows/s',
          met: true,
        },
      ],
    });
    const purges = mergeReports([purge(1000, '2026-11-26T10:00:00.000Z'), purge(10000, '2026-11-27T10:00:00.000Z')]);
    expect(purges.throughput.map((t) => t.workload)).toEqual(['retention purge of 10000 expired rows']);
  });

  it('the generator is deterministic for a seed', () => {
    const a = createRng(7);
    const b = createRng(7);
    const ids = [uuid7(a, 1_700_000_000_000), uuid7(a, 1_700_000_000_001)];
    expect([uuid7(b, 1_700_000_000_000), uuid7(b, 1_700_000_000_001)]).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('runs every workload on PGlite beside its baseline and renders the report', async () => {
    const dir = scratch();
    // After every workload, the rows so far (what a run stopped part-way keeps).
    const progress: { database: string; results: number; throughput: number }[] = [];
    const run = await runDatabaseSuite({ kind: 'pglite', dataDir: dir }, inProcessDeps(scratch()), {
      scale: SMOKE_SCALE,
      // Two seconds: on a loaded machine the first requests of a cold server can take a second.
      seconds: 2,
      connections: 4,
      privacySample: 3,
      progress: (rows) =>
        progress.push({
          database: rows.generate.database,
          results: rows.results.length,
          throughput: rows.throughput.length,
        }),
    });
    expect(progress).toEqual(
      [1, 2, 3, 4, 5, 5, 5].map((n, i) => ({
        database: 'pglite',
        results: n,
        throughput: Math.max(0, i - 4),
      })),
    );
    const { searchPostings, consents, ...counts } = run.generated.counts;
    expect(counts).toEqual({
      companies: 30,
      people: 300,
      deals: 60,
      notes: 400,
      interactions: 600,
      tasks: 50,
    });
    // Names, email words and company words: several postings a record.
    expect(searchPostings).toBeGreaterThan(3 * 300);
    // About 40 % of the people with a consent history, some with several records.
    expect(consents).toBeGreaterThan(0.3 * 300);
    await checkConsentLedger(path.join(dir, 'pglite'), consents as number);
    expect(run.results.map((r) => r.workload)).toHaveLength(5);
    for (const r of run.results) {
      expect(r.tillit.requests).toBeGreaterThan(0);
      expect(r.tillit.failures).toBe(0);
      if (r.baseline) expect(r.ratio).toBeGreaterThan(0);
    }
    expect(run.results.filter((r) => r.baseline).length).toBe(2);
    // The import took the file (10 bad rows reported) beside COPY of the same rows; the
    // retention run purged every expired row beside a bare DELETE of as many.
    const [imported, purged] = run.throughput;
    expect(imported?.tillit.rows).toBe(200);
    expect(imported?.baseline.rows).toBe(200);
    expect(imported?.notes).toMatch(
      /^190 created; their search postings written \d+\.\d s after the import \(import.index, decision 0009\)$/,
    );
    expect(purged?.tillit.rows).toBeGreaterThanOrEqual(500);
    expect(purged?.baseline.rows).toBe(500);
    for (const t of run.throughput) expect(t.ratio).toBeGreaterThan(0);
    const exported = run.results.find((r) => r.workload.startsWith('access export'));
    expect(exported?.tillit.requests).toBe(6);
    expect(exported?.tillit.failures).toBe(0);
    // The erased people are gone, with their timelines: the workload did real erasures.
    const erasure = run.results.find((r) => r.workload.startsWith('erasure'));
    expect(erasure?.tillit.requests).toBe(6);
    const md = renderMarkdown({
      date: '2026-11-25T00:00:00.000Z',
      machine: { cpu: 'test', cores: 2, memoryGb: 1, node: process.version },
      scale: 'smoke',
      quick: true,
      generate: [{ database: 'pglite', ms: run.generateMs }],
      results: run.results,
      throughput: run.throughput,
      start: null,
    });
    expect(md).toContain('| GET one person by id');
    expect(md).toContain('| CSV import of 200 people');
  }, 300_000);

  it('--only runs just the named workloads, after the same generation', async () => {
    expect(parseOnly('search, retention')).toEqual(['search', 'retention']);
    expect(() => parseOnly('search,nope')).toThrow(/unknown workload nope/);
    expect(() => parseOnly('')).toThrow(/at least one/);
    const run = await runDatabaseSuite({ kind: 'pglite', dataDir: scratch() }, inProcessDeps(scratch()), {
      scale: SMOKE_SCALE,
      seconds: 2,
      connections: 4,
      only: ['search'],
    });
    expect(run.generated.counts.people).toBe(300);
    expect(run.results.map((r) => r.workload)).toEqual([expect.stringMatching(/^global search/)]);
    expect(run.results[0]?.tillit.failures).toBe(0);
    expect(run.throughput).toEqual([]);
  }, 300_000);

  it.runIf(process.env.TEST_DATABASE_URL)(
    'writes the data set through COPY on PostgreSQL as a table owner that is not a superuser',
    async () => {
      // The CI role owns the test database but is no superuser: the generator lifts FORCE
      // row-level security for its transaction and restores it.
      const base = process.env.TEST_DATABASE_URL as string;
      const name = `tillit_bench_smoke_${Date.now().toString(36)}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(base);
      url.pathname = `/${name}`;
      const db: DatabaseUnderBench = { kind: 'postgres', appUrl: url.toString(), adminUrl: url.toString() };
      try {
        const tillit = await startTillitInProcess(db, scratch());
        const { firstRun } = await import('./suite.ts');
        const session = await firstRun(tillit.url);
        await tillit.stop();
        const target = await openCopyTarget({ kind: 'postgres', url: url.toString() });
        const generated = await generateWorkspaceData(target, {
          workspaceId: session.workspaceId,
          ownerId: session.userId,
          scale: SMOKE_SCALE,
        });
        // Read before the commit: afterwards row-level security binds this role again.
        const [consented] = await target.query<{ person_id: string; state: string }>(
          `select person_id, state from consent_records where workspace_id = $1 order by seq desc limit 1`,
          [session.workspaceId],
        );
        await target.commit();
        const forced = await target.query<{ n: number }>(
          `select count(*)::int as n from pg_class where relname in ('people', 'deals') and relforcerowsecurity`,
        );
        await target.close();
        expect(forced[0]?.n).toBe(2);
        expect(generated.counts.people).toBe(300);
        // The server reads what was generated, through row-level security.
        const again = await startTillitInProcess(db, scratch());
        try {
          const res = await fetch(`${again.url}/api/v1/people/${generated.samplePersonIds[0]}`, {
            headers: { cookie: session.cookie },
          });
          expect(res.status).toBe(200);
          // The application reads the generated consent ledger, through row-level security.
          const state = await fetch(`${again.url}/api/v1/people/${consented?.person_id}/consents/state`, {
            headers: { cookie: session.cookie },
          });
          expect(state.status).toBe(200);
          const item = ((await state.json()) as { items: { purposeKey: string; state: string | null }[] }).items.find(
            (i) => i.purposeKey === 'marketing.email',
          );
          expect([consented?.state, 'expired']).toContain(item?.state);
        } finally {
          await again.stop();
        }
      } finally {
        const a = new pg.Client({ connectionString: base });
        await a.connect();
        await a.query(`drop database if exists ${name} with (force)`);
        await a.end();
      }
    },
    120_000,
  );
});
