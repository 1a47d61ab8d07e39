import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describeScale, FULL_SCALE, scaled } from './generate.ts';
import { freePort, ROOT, residentMb, startCommand, startNode } from './processes.ts';
import { type BenchReport, machine, mergeReports, renderMarkdown } from './report.ts';
import {
  type DatabaseUnderBench,
  parseOnly,
  runDatabaseSuite,
  type SuiteDeps,
  type ThroughputWorkload,
  type WorkloadKey,
  type WorkloadResult,
} from './suite.ts';

/**
 * `npm run bench [-- --quick | --scale=N] [-- --db=pglite|postgres|both] [-- --seconds=N] [-- --only=a,b]`:
 * runs every workload (or only those named) on each database beside its bare baseline,
 * writes bench/results/<date>.json and docs/performance.md (a run with --only writes its
 * own results file and leaves docs/performance.md alone). Expects the server to be built
 * (the npm script builds it).
 */
const args = process.argv.slice(2);
// --page=a.json,b.json: docs/performance.md from the results of separate runs (each database's
// full-scale run apart, when one run of both is longer than the time at hand), then stop.
const pageArg = args.find((a) => a.startsWith('--page='))?.slice('--page='.length);
if (pageArg !== undefined) {
  const reports = pageArg
    .split(',')
    .filter(Boolean)
    .map((f) => JSON.parse(readFileSync(path.resolve(ROOT, f), 'utf8')) as BenchReport);
  writeFileSync(path.join(ROOT, 'docs', 'performance.md'), renderMarkdown(mergeReports(reports)));
  console.log(`[bench] wrote docs/performance.md from ${reports.length} results files`);
  process.exit(0);
}
const quick = args.includes('--quick');
const dbArg = args.find((a) => a.startsWith('--db='))?.slice(5) ?? 'both';
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? (quick ? 3 : 10));
const connections = 50;
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg === undefined ? undefined : parseOnly(onlyArg);
const wants = (k: WorkloadKey) => !only || only.includes(k);
const suiteOnly = only?.filter((k) => k !== 'start');
const needsDatabases = !only || (suiteOnly?.length ?? 0) > 0;
const numberArg = (name: string) => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: must be a whole number above 0, not ${v}`);
  return n;
};
// --scale=N: 1/N of the full data set (--quick is --scale=100), to see how a workload grows
// with the data between the quick and the full run.
const divisor = numberArg('scale') ?? (quick ? 100 : 1);
const base = divisor === 1 ? FULL_SCALE : scaled(divisor);
// A shorter run of the two slowest workloads when the machine's time is short; the report says so.
const scale = {
  ...base,
  importRows: numberArg('import-rows') ?? base.importRows,
  retentionRows: numberArg('retention-rows') ?? base.retentionRows,
};
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET_KEY = 'bench-only-secret-key-0123456789abcdef';
const log = (line: string) => console.log(`[bench] ${line}`);

const tillitEnv = (db: DatabaseUnderBench): Record<string, string> => ({
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  SECRET_KEY,
  SERVICES: 'api',
  ...(db.kind === 'postgres'
    ? { DATABASE_URL: db.appUrl, TILLIT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tillit-bench-')) }
    : { TILLIT_DATA_DIR: db.dataDir }),
});

/** On PGlite, both servers run with the flags `npm start` gives Node.js (the WebAssembly
 *  engine's settings: see docs/decisions/0009), so the embedded figures are what users get and
 *  the baseline runs the same engine. */
const embeddedNodeArgs = (db: { kind: string }) => (db.kind === 'pglite' ? startCommand().nodeArgs : []);

/** `BENCH_TILLIT_NODE_ARGS` (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): more Node.js flags for
 *  Tillit's server only, to profile it under the benchmark's load (Node refuses --cpu-prof in
 *  NODE_OPTIONS). */
const profileArgs = () => (process.env.BENCH_TILLIT_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

const deps: SuiteDeps = {
  async startTillit(db) {
    const port = await freePort();
    return startNode(
      'apps/server/dist/main.js',
      [],
      { ...tillitEnv(db), PUBLIC_URL: `http://127.0.0.1:${port}` },
      '/api/health',
      port,
      [...embeddedNodeArgs(db), ...profileArgs()],
    );
  },
  async startBare(db, workspaceId) {
    const port = await freePort();
    const env: Record<string, string> =
      db.kind === 'postgres'
        ? { BARE_DATABASE_URL: db.adminUrl, BARE_WORKSPACE_ID: workspaceId }
        : { BARE_PGLITE_DIR: path.join(db.dataDir, 'pglite'), BARE_WORKSPACE_ID: workspaceId };
    return startNode('bench/dist/bare.js', [], env, '/health', port, embeddedNodeArgs(db));
  },
  async runRetention(db, workspaceId) {
    // The operator command in its own process, as an operator would run the job now.
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'apps/server/dist/cli.js'), 'retention:enforce', `--workspace=${workspaceId}`, '--rule=trash'],
        { env: { ...process.env, ...tillitEnv(db) }, cwd: ROOT, maxBuffer: 1 << 20 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`retention:enforce: ${err.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const last = out.trim().split('\n').at(-1) ?? '{}';
    return { rows: Number((JSON.parse(last) as { rows?: number }).rows ?? 0) };
  },
};

async function withPostgres<T>(fn: (db: DatabaseUnderBench) => Promise<T>): Promise<T> {
  const name = `tillit_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // The server runs as a login role that is not a superuser, as in production, so that
  // row-level security binds it.
  await admin.query(
    `do $$ begin if not exists (select 1 from pg_roles where rolname = 'tillit_bench') then create role tillit_bench login createrole; end if; end $$`,
  );
  await admin.query('alter role tillit_bench createrole');
  await admin.query(`create database ${name} owner tillit_bench`);
  await admin.end();
  const u = (user: string) => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    url.username = user;
    return url.toString();
  };
  try {
    return await fn({
      kind: 'postgres',
      appUrl: u('tillit_bench'),
      adminUrl: u(new URL(adminUrl).username || 'postgres'),
    });
  } finally {
    if (process.env.BENCH_PG_KEEP === '1') {
      // For profiling statements against the generated data afterwards (psql, EXPLAIN).
      log(`kept database ${name} (BENCH_PG_KEEP=1): drop it when done`);
    } else {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    }
  }
}

async function embeddedStart(): Promise<BenchReport['start']> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillit-start-'));
  const port = await freePort();
  try {
    const start = startCommand();
    const running = await startNode(
      start.script,
      [],
      { TILLIT_DATA_DIR: dir, LOG_LEVEL: 'warn', SECRET_KEY },
      '/api/health',
      port,
      start.nodeArgs,
    );
    await new Promise((r) => setTimeout(r, 5000));
    const idleRssMb = residentMb(running.pid);
    await running.stop();
    const ms = Math.round(running.startMs);
    return { ms, idleRssMb, target: '< 5000 ms; idle RSS < 300 MB', met: ms < 5000 && idleRssMb < 300 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: WorkloadResult[] = [];
const throughputResults: ThroughputWorkload[] = [];
const generate: BenchReport['generate'] = [];
const reuseDir = process.env.BENCH_REUSE_DIR;
mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
const scaleSuffix = quick ? '-quick' : divisor === 1 ? '' : `-scale${divisor}`;
const suffix = `${scaleSuffix}${dbArg === 'both' ? '' : `-${dbArg}`}${only ? `-only-${only.join('-')}` : ''}`;
const runDate = new Date().toISOString();
/** This run's report, dated now, with the rows given. */
const reportOf = (
  rows: Pick<BenchReport, 'generate' | 'results' | 'throughput' | 'start'> & { partial?: boolean },
): BenchReport => ({
  date: new Date().toISOString(),
  machine: machine(),
  scale: describeScale(scale),
  quick,
  ...(only ? { only } : {}),
  ...rows,
});
/** What a run stopped part-way leaves: the rows measured so far, rewritten after every
 *  workload and removed when the run ends (`--page=` takes it like any results file). */
const partialFile = path.join(ROOT, 'bench', 'results', `${runDate.slice(0, 10)}${suffix}-partial.json`);
const writePartial = (rows: {
  generate: BenchReport['generate'][number];
  results: readonly WorkloadResult[];
  throughput: readonly ThroughputWorkload[];
}) => {
  const partial = reportOf({
    partial: true,
    generate: [...generate, rows.generate],
    results: [...results, ...rows.results],
    throughput: [...throughputResults, ...rows.throughput],
    start: null,
  });
  writeFileSync(partialFile, `${JSON.stringify(partial, null, 2)}\n`);
};
const suiteOptions = {
  scale,
  seconds,
  connections,
  log,
  progress: writePartial,
  ...(suiteOnly ? { only: suiteOnly } : {}),
  ...(reuseDir ? { reuseDir } : {}),
};
if (needsDatabases && (dbArg === 'both' || dbArg === 'pglite')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillit-bench-pglite-'));
  try {
    const r = await runDatabaseSuite({ kind: 'pglite', dataDir: dir }, deps, suiteOptions);
    results.push(...r.results);
    throughputResults.push(...r.throughput);
    generate.push({ database: 'pglite', ms: r.generateMs });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (needsDatabases && (dbArg === 'both' || dbArg === 'postgres')) {
  const r = await withPostgres((db) => runDatabaseSuite(db, deps, suiteOptions));
  results.push(...r.results);
  throughputResults.push(...r.throughput);
  generate.push({ database: 'postgres', ms: r.generateMs });
}
let start: BenchReport['start'] = null;
if (wants('start')) {
  log('embedded start');
  start = await embeddedStart();
}

const report = reportOf({ generate, results, throughput: throughputResults, start });
const file = path.join(ROOT, 'bench', 'results', `${report.date.slice(0, 10)}${suffix}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
rmSync(partialFile, { force: true });
// docs/performance.md is the page of the last run of every workload at full scale: a partial
// or smaller run writes its own results file only.
const complete = !only && divisor === 1;
if (complete) writeFileSync(path.join(ROOT, 'docs', 'performance.md'), renderMarkdown(report));
console.log(renderMarkdown(report));
log(`wrote ${path.relative(ROOT, file)}${complete ? ' and docs/performance.md' : ''}`);
