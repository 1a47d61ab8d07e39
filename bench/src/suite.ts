import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatePeopleCsv } from '../import/generate-people-csv.ts';
import { openCopyTarget } from './copy-target.ts';
import { describeData, describeScale, type Generated, generateWorkspaceData, type Scale } from './generate.ts';
import { drive, type LoadResult, timeEach } from './load.ts';
import { bytesWrittenHere } from './processes.ts';
import {
  accessExports,
  copyFileBare,
  deleteTrashedNotesBare,
  importThroughTillit,
  type ThroughputResult,
  throughput,
  writeTrashedNotes,
} from './workloads.ts';

/**
 * One database's benchmark run: the real server creates the instance and workspace (first
 * run), the generator fills it with COPY, then each workload runs against Tillit and
 * against its bare baseline on the same data, and reports the ratio.
 */
export type DatabaseUnderBench =
  | { kind: 'postgres'; appUrl: string; adminUrl: string }
  | { kind: 'pglite'; dataDir: string };

export type Server = { url: string; stop(): Promise<void> };

export type SuiteDeps = {
  startTillit(db: DatabaseUnderBench): Promise<Server>;
  startBare(db: DatabaseUnderBench, workspaceId: string): Promise<Server>;
  /** Runs the retention job's trash rule for the workspace (the operator command); the rows it took. */
  runRetention(db: DatabaseUnderBench, workspaceId: string): Promise<{ rows: number }>;
};

export type SuiteOptions = {
  scale: Scale;
  seconds: number;
  connections: number;
  log?: (line: string) => void;
  /** People exported and erased from each end (the longest timelines, and sampled ones): 10. */
  privacySample?: number;
  /** Only these workloads (`--only=`); all when absent. The data set is generated either way. */
  only?: readonly WorkloadKey[];
  /**
   * PGlite only (`BENCH_REUSE_DIR`): a folder holding a generated data set. When it holds one
   * of the same scale, the run starts from a copy of it instead of generating (and reports the
   * generation time measured when it was made); otherwise the run generates as usual and keeps
   * a copy there. Lets the data set be made once while the code under test still changes.
   */
  reuseDir?: string;
  /** Called after every workload with the rows so far, so a run stopped part-way keeps what
   *  it measured (run.ts writes them to a `-partial` results file). */
  progress?: (rows: {
    generate: { database: string; ms: number };
    results: readonly WorkloadResult[];
    throughput: readonly ThroughputWorkload[];
  }) => void;
};

type Kept = {
  scale: string;
  session: { cookie: string; workspaceId: string; userId: string };
  generated: Generated;
  generateMs: number;
};

/** The workloads by the names `--only=` takes (run.ts; `start` is run.ts's own). */
export const WORKLOADS = ['get', 'list', 'search', 'export', 'erasure', 'import', 'retention', 'start'] as const;
export type WorkloadKey = (typeof WORKLOADS)[number];

/** Parses `--only=get,search`: every name must be a workload, at least one. */
export function parseOnly(value: string): WorkloadKey[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `--only: ${unknown.length ? `unknown workload ${unknown.join(', ')}` : 'name at least one workload'} (one of ${WORKLOADS.join(', ')})`,
    );
  }
  return names as WorkloadKey[];
}

export type WorkloadResult = {
  workload: string;
  database: 'postgres' | 'pglite';
  tillit: LoadResult;
  baseline: LoadResult | null;
  /** Tillit's req/s over the baseline's. */
  ratio: number | null;
  target: string;
  met: boolean | null;
  /** Set when requests failed (either side): what failed; the rates are then no measure. */
  failed?: string;
};

/** A workload judged by rows per second beside a bare baseline (import, retention purge). */
export type ThroughputWorkload = {
  workload: string;
  database: 'postgres' | 'pglite';
  tillit: ThroughputResult;
  baseline: ThroughputResult;
  ratio: number;
  target: string;
  /** null: no target on this database (the import's is set on PostgreSQL). */
  met: boolean | null;
  notes?: string;
};

const ORIGIN_HEADERS = (url: string) => ({ origin: url, 'content-type': 'application/json' });
const CATEGORIES = ['client', 'prospect', 'supplier', 'correspondent', 'newsletter_subscriber'];

/** First run through the HTTP API; returns the session cookie and the ids the generator needs. */
export async function firstRun(url: string): Promise<{ cookie: string; workspaceId: string; userId: string }> {
  const res = await fetch(`${url}/api/setup/first-run`, {
    method: 'POST',
    headers: ORIGIN_HEADERS(url),
    body: JSON.stringify({
      account: {
        email: 'bench.owner@example.test',
        password: 'correct horse battery staple',
        firstName: 'Bench',
        lastName: 'Owner',
        dateOfBirth: '1980-04-02',
      },
      workspace: { name: 'Bench AS', country: 'NO', region: 'no' },
    }),
  });
  if (res.status !== 201) throw new Error(`first run failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id: string; activeWorkspaceId: string };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  // The default pipeline is made on the first read of the pipelines.
  const pipelines = await fetch(`${url}/api/v1/pipelines`, { headers: { cookie } });
  if (pipelines.status !== 200) throw new Error(`pipelines: ${pipelines.status} ${await pipelines.text()}`);
  return { cookie, workspaceId: body.activeWorkspaceId, userId: body.id };
}

export async function runDatabaseSuite(
  db: DatabaseUnderBench,
  deps: SuiteDeps,
  options: SuiteOptions,
): Promise<{ results: WorkloadResult[]; throughput: ThroughputWorkload[]; generated: Generated; generateMs: number }> {
  const log = options.log ?? (() => {});
  const pgliteDir = db.kind === 'pglite' ? path.join(db.dataDir, 'pglite') : '';
  const openTarget = () =>
    openCopyTarget(
      db.kind === 'postgres' ? { kind: 'postgres', url: db.adminUrl } : { kind: 'pglite', dataDir: pgliteDir },
    );
  const keptFile = options.reuseDir ? path.join(options.reuseDir, 'generated.json') : '';
  const keptData = options.reuseDir ? path.join(options.reuseDir, 'data') : '';
  if (options.reuseDir && db.kind !== 'pglite') throw new Error('BENCH_REUSE_DIR: only for PGlite runs (--db=pglite)');
  const kept = keptFile && existsSync(keptFile) ? (JSON.parse(readFileSync(keptFile, 'utf8')) as Kept) : null;
  // The kept file names the whole scale of the run that made it; only its data part must match.
  if (kept && kept.scale.split('; import ')[0] !== describeData(options.scale)) {
    throw new Error(`BENCH_REUSE_DIR holds a data set of another scale (${kept.scale})`);
  }
  let session: Kept['session'];
  let generated: Generated;
  let generateMs: number;
  if (kept && db.kind === 'pglite') {
    log(`${db.kind}: copying the data set kept in ${options.reuseDir} (generated in ${kept.generateMs} ms)`);
    rmSync(db.dataDir, { recursive: true, force: true });
    cpSync(keptData, db.dataDir, { recursive: true });
    ({ session, generated, generateMs } = kept);
  } else {
    const first = await deps.startTillit(db);
    session = await firstRun(first.url);
    await first.stop();

    log(`${db.kind}: generating ${describeScale(options.scale)}`);
    const started = performance.now();
    const target = await openTarget();
    try {
      generated = await generateWorkspaceData(target, {
        workspaceId: session.workspaceId,
        ownerId: session.userId,
        scale: options.scale,
      });
      await target.commit();
      // Table by table: the first read of a freshly written page sets its hint bits, which with
      // data checksums (on in PGlite's PostgreSQL 18) writes the whole page to the WAL, and on
      // PGlite a checkpoint can only come between two statements (copy-target.ts): one ANALYZE
      // of everything grew pg_wal from 134 to 402 MB at the end of a --scale=10 generation.
      const tables = await target.query<{ name: string }>(
        `select tablename as name from pg_tables where schemaname = 'public' order by tablename`,
      );
      for (const { name } of tables) await target.query(`analyze "${name}"`);
    } finally {
      await target.close();
    }
    generateMs = Math.round(performance.now() - started);
    log(`${db.kind}: generated in ${generateMs} ms`);
    if (options.reuseDir && db.kind === 'pglite') {
      mkdirSync(options.reuseDir, { recursive: true });
      rmSync(keptData, { recursive: true, force: true });
      cpSync(db.dataDir, keptData, { recursive: true });
      const keep: Kept = { scale: describeScale(options.scale), session, generated, generateMs };
      writeFileSync(keptFile, JSON.stringify(keep));
      log(`${db.kind}: kept the data set in ${options.reuseDir}`);
    }
  }

  let server: Server;
  const wants = (k: WorkloadKey) => !options.only || options.only.includes(k);
  const ids = generated.samplePersonIds;
  let n = 0;
  const nextId = () => ids[n++ % ids.length] as string;
  let c = 0;
  const nextCategory = () => CATEGORIES[c++ % CATEGORIES.length] as string;
  const load = { seconds: options.seconds, connections: options.connections };
  const results: WorkloadResult[] = [];
  const throughputs: ThroughputWorkload[] = [];
  const addResult = (row: WorkloadResult) => {
    results.push(row);
    options.progress?.({ generate: { database: db.kind, ms: generateMs }, results, throughput: throughputs });
  };
  const addThroughput = (row: ThroughputWorkload) => {
    throughputs.push(row);
    options.progress?.({ generate: { database: db.kind, ms: generateMs }, results, throughput: throughputs });
  };

  const measure = async (url: string, headers: Record<string, string>, paths: () => string) => {
    // A short warm-up so both sides start with the same caches.
    await drive({
      url,
      headers,
      paths,
      connections: load.connections,
      seconds: Math.max(1, Math.round(load.seconds / 5)),
    });
    const r = await drive({ url, headers, paths, ...load });
    if (r.failures > 0)
      log(`${url}: ${r.failures} of ${r.requests} requests failed ${JSON.stringify(r.failedBy ?? {})}`);
    return r;
  };
  const ratio = (a: LoadResult, b: LoadResult) => Math.round((a.reqPerSec / b.reqPerSec) * 100) / 100;
  /** What failed on either side, or undefined (then the ratio is a measure). */
  const failures = (tillit: LoadResult, bare: LoadResult): string | undefined => {
    const say = (who: string, r: LoadResult) =>
      r.failures > 0
        ? `${who}: ${r.failures} of ${r.requests} requests failed (${r.failedBy?.timeouts ?? 0} timeouts, ${r.failedBy?.errors ?? 0} errors, ${r.failedBy?.non2xx ?? 0} non-2xx)`
        : null;
    const said = [say('Tillit', tillit), say('bare', bare)].filter(Boolean);
    return said.length > 0 ? said.join('; ') : undefined;
  };

  const getPath = () => `/api/v1/people/${nextId()}`;
  const listPath = () =>
    `/api/v1/people?subjectCategory=${nextCategory()}&sort=name&dir=${c % 2 ? 'asc' : 'desc'}&limit=50`;
  if (wants('get') || wants('list')) {
    let tillitGet: LoadResult | null = null;
    let tillitList: LoadResult | null = null;
    server = await deps.startTillit(db);
    try {
      const headers = { cookie: session.cookie };
      if (wants('get')) tillitGet = await measure(server.url, headers, getPath);
      if (wants('list')) tillitList = await measure(server.url, headers, listPath);
    } finally {
      await server.stop();
    }
    const bare = await deps.startBare(db, session.workspaceId);
    let bareGet: LoadResult | null = null;
    let bareList: LoadResult | null = null;
    try {
      if (wants('get')) bareGet = await measure(bare.url, {}, () => `/people/${nextId()}`);
      if (wants('list')) {
        bareList = await measure(
          bare.url,
          {},
          () => `/people?category=${nextCategory()}&dir=${c % 2 ? 'asc' : 'desc'}`,
        );
      }
    } finally {
      await bare.stop();
    }
    if (tillitGet && bareGet) {
      const failed = failures(tillitGet, bareGet);
      const r = failed ? null : ratio(tillitGet, bareGet);
      addResult({
        workload: `GET one person by id, signed in, ${load.connections} concurrent`,
        database: db.kind,
        tillit: tillitGet,
        baseline: bareGet,
        ratio: r,
        target: '>= 0.5 of bare req/s; p99 < 25 ms',
        met: r !== null && r >= 0.5 && tillitGet.p99 < 25,
        ...(failed ? { failed } : {}),
      });
    }
    if (tillitList && bareList) {
      const failed = failures(tillitList, bareList);
      const r = failed ? null : ratio(tillitList, bareList);
      addResult({
        workload: 'list page of 50 people, category filter, sorted by name',
        database: db.kind,
        tillit: tillitList,
        baseline: bareList,
        ratio: r,
        target: '>= 0.5 of bare req/s; p99 < 50 ms',
        met: r !== null && r >= 0.5 && tillitList.p99 < 50,
        ...(failed ? { failed } : {}),
      });
    }
  }

  // Per-operation workloads on Tillit alone (their targets are latencies, not ratios).
  const csvFile = path.join(tmpdir(), `tillit-bench-import-${process.pid}-${Date.now()}.csv`);
  const sample = options.privacySample ?? 10;
  const toEraseAll = () => [...new Set([...generated.heavyPersonIds.slice(0, sample), ...ids.slice(-sample)])];
  let importRun: (ThroughputResult & { created: number; failed: number; searchIndexMs: number | null }) | null = null;
  if (wants('search') || wants('export') || wants('erasure') || wants('import')) {
    server = await deps.startTillit(db);
    try {
      const headers = { cookie: session.cookie };
      const get = async (p: string) => {
        const res = await fetch(`${server.url}${p}`, { headers });
        if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      };
      if (wants('search')) {
        const searches = generated.sampleSearches;
        // Warm-up, then the measured queries (4 at a time).
        await timeEach(Math.min(20, searches.length), 4, (i) =>
          get(`/api/v1/search?q=${encodeURIComponent(searches[i] as string)}`),
        );
        const searchRun = await timeEach(Math.min(200, searches.length * 4), 4, (i) =>
          get(`/api/v1/search?q=${encodeURIComponent(searches[i % searches.length] as string)}`),
        );
        addResult({
          workload: 'global search, typo-tolerant (last name, a typo, full name, email prefix), 4 at a time',
          database: db.kind,
          tillit: searchRun,
          baseline: null,
          ratio: null,
          target: 'p95 < 30 ms',
          met: searchRun.failures === 0 && (searchRun.p95 ?? Number.POSITIVE_INFINITY) < 30,
        });
      }
      // Access export of one person at a time (request, fulfil, package, download): the people
      // with the longest timelines first, then sampled ones; the same people are erased next.
      const toErase = toEraseAll();
      if (wants('export')) {
        log(`${db.kind}: access export of ${toErase.length} people`);
        const exportRun = await accessExports(server.url, session.cookie, toErase);
        addResult({
          workload:
            'access export of one person (request, fulfil, package built, zip downloaded; the 10 longest timelines, then 10 sampled)',
          database: db.kind,
          tillit: exportRun,
          baseline: null,
          ratio: null,
          target: '< 2 s each',
          met: exportRun.failures === 0 && (exportRun.max ?? Number.POSITIVE_INFINITY) < 2000,
        });
      }
      if (wants('erasure')) {
        // Erasure of one person at a time: the people with the longest timelines first.
        log(`${db.kind}: erasure of ${toErase.length} people`);
        const erasureRun = await timeEach(toErase.length, 1, async (i) => {
          const res = await fetch(`${server.url}/api/v1/people/${toErase[i]}/erase`, {
            method: 'POST',
            headers: { ...headers, ...ORIGIN_HEADERS(server.url) },
            body: JSON.stringify({ reason: 'benchmark', confirm: 'ERASE' }),
          });
          if (res.status !== 200) throw new Error(`erase: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        });
        addResult({
          workload: 'erasure of one person (the 10 longest timelines, then 10 sampled), one at a time',
          database: db.kind,
          tillit: erasureRun,
          baseline: null,
          ratio: null,
          target: '< 2 s each',
          met: erasureRun.failures === 0 && (erasureRun.max ?? Number.POSITIVE_INFINITY) < 2000,
        });
      }
      if (wants('import')) {
        // The CSV import, into the workspace that already holds everything generated.
        log(`${db.kind}: import of ${options.scale.importRows} rows`);
        await generatePeopleCsv(
          options.scale.importRows,
          csvFile,
          Math.max(10, Math.floor(options.scale.importRows / 10)),
        );
        importRun = await importThroughTillit(server.url, session.cookie, csvFile);
      }
    } finally {
      await server.stop();
    }
  }
  if (importRun) {
    log(`${db.kind}: COPY of the same file`);
    const copyRun = await copyFileBare(
      db.kind === 'postgres' ? { kind: 'postgres', url: db.adminUrl } : { kind: 'pglite', dataDir: pgliteDir },
      csvFile,
      importRun.rows,
    );
    rmSync(csvFile, { force: true });
    const importRatio = Math.round((importRun.rowsPerSec / copyRun.rowsPerSec) * 100) / 100;
    addThroughput({
      workload: `CSV import of ${importRun.rows} people (validation, duplicates, tombstones, audit; ${importRun.failed} bad rows reported)`,
      database: db.kind,
      tillit: importRun,
      baseline: copyRun,
      ratio: importRatio,
      target: db.kind === 'postgres' ? '>= 0.4 of COPY rows/s' : '- (the target is set on PostgreSQL)',
      met: db.kind === 'postgres' ? importRatio >= 0.4 : null,
      notes:
        importRun.searchIndexMs === null
          ? `${importRun.created} created`
          : `${importRun.created} created; their search postings written ${(importRun.searchIndexMs / 1000).toFixed(1)} s after the import (import.index, decision 0009)`,
    });
  }

  if (wants('retention')) {
    // Retention: expired rows (notes in the trash past the period) purged by the job's trash
    // rule, then the same rows written again and removed by one bare DELETE.
    const keep = new Set(toEraseAll());
    const alive = ids.filter((id) => !keep.has(id));
    const writeExpired = async () => {
      const started = performance.now();
      const writtenBefore = bytesWrittenHere();
      const t = await openTarget();
      try {
        const r = await writeTrashedNotes(t, {
          workspaceId: session.workspaceId,
          authorId: session.userId,
          personIds: alive,
          rows: options.scale.retentionRows,
          now: Date.now(),
        });
        await t.commit();
        await t.query('analyze notes');
        await t.query('analyze note_people');
        // On PGlite the engine writes from this process: what it wrote is logged with the time.
        const written = db.kind === 'pglite' ? bytesWrittenHere() - writtenBefore : 0;
        log(
          `${db.kind}: ${options.scale.retentionRows} expired rows written in ${((performance.now() - started) / 1000).toFixed(1)} s${written > 0 ? ` (${(written / 1024 ** 3).toFixed(1)} GB written to disk)` : ''}`,
        );
        return r;
      } finally {
        await t.close();
      }
    };
    log(`${db.kind}: retention purge of ${options.scale.retentionRows} expired rows`);
    await writeExpired();
    const purgeStarted = performance.now();
    const purged = await deps.runRetention(db, session.workspaceId);
    const purgeMs = performance.now() - purgeStarted;
    if (purged.rows < options.scale.retentionRows) {
      throw new Error(`retention took ${purged.rows} rows of ${options.scale.retentionRows}`);
    }
    const { cutoff } = await writeExpired();
    const bareTarget = await openTarget();
    let bareDelete: ThroughputResult;
    try {
      const started = performance.now();
      const deleted = await deleteTrashedNotesBare(bareTarget, session.workspaceId, cutoff);
      await bareTarget.commit();
      bareDelete = throughput(deleted, performance.now() - started);
    } finally {
      await bareTarget.close();
    }
    const purgeRun = throughput(purged.rows, purgeMs);
    const purgeRatio = Math.round((purgeRun.rowsPerSec / bareDelete.rowsPerSec) * 100) / 100;
    addThroughput({
      workload: `retention purge of ${purgeRun.rows} expired rows (notes in the trash past the period, with their links)`,
      database: db.kind,
      tillit: purgeRun,
      baseline: bareDelete,
      ratio: purgeRatio,
      target: '>= 0.5 of the bare DELETE rows/s',
      met: purgeRatio >= 0.5,
    });
  }
  return { generated, generateMs, throughput: throughputs, results };
}
