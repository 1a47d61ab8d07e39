import { cpus, totalmem } from 'node:os';
import type { ThroughputWorkload, WorkloadResult } from './suite.ts';

export type BenchReport = {
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string };
  scale: string;
  quick: boolean;
  /** The workloads of a partial run (`--only=`); absent when every workload ran. */
  only?: readonly string[];
  /** A run stopped part-way (`-partial` file): the rows it measured before it stopped. */
  partial?: boolean;
  /** A page put together from several runs (`--page=`): each run's date, scale and workloads. */
  runs?: readonly string[];
  generate: { database: string; ms: number }[];
  results: WorkloadResult[];
  throughput: ThroughputWorkload[];
  start: { ms: number; idleRssMb: number; target: string; met: boolean } | null;
};

export function machine(): BenchReport['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
  };
}

/** One page from the results of separate runs (each database's full-scale run on its own):
 *  every row of each, each run named with its date and data. */
/** Rows of several runs, one per workload and database: a later run's row replaces an earlier
 *  one's (a partial run, `--only=`, re-measures some rows of a full run), in first-seen order. */
function latestRows<R extends { workload: string; database: string }>(runs: readonly R[][]): R[] {
  const rows = new Map<string, R>();
  // A workload's name carries its row count (`--import-rows`, `--retention-rows`): a re-run
  // with another count is the same workload.
  for (const list of runs) for (const r of list) rows.set(`${r.database}\u0000${r.workload.replace(/\d+/g, 'N')}`, r);
  return [...rows.values()];
}

export function mergeReports(reports: readonly BenchReport[]): BenchReport {
  const first = reports[0];
  if (!first) throw new Error('--page needs at least one results file');
  const byDate = [...reports].sort((a, b) => a.date.localeCompare(b.date));
  // Runs from different machines (a session's machine is not the next one's) name theirs.
  const cpus = [...new Set(reports.map((r) => r.machine.cpu))];
  const on = (r: BenchReport) => (cpus.length > 1 ? `; on ${r.machine.cpu}` : '');
  return {
    date: byDate.at(-1)?.date ?? first.date,
    machine: { ...first.machine, cpu: cpus.join(' / ') },
    scale: [...new Set(reports.map((r) => r.scale))].join(' | '),
    quick: reports.some((r) => r.quick),
    runs: byDate.map(
      (r) =>
        `${r.date}: ${r.generate.map((g) => g.database).join(', ') || 'no database'}${r.only ? ` (${r.only.join(', ')})` : ''}${r.partial ? ' (stopped part-way: the rows it measured)' : ''}; ${r.scale}${on(r)}`,
    ),
    // A run on a kept data set (BENCH_REUSE_DIR) repeats the generation it was copied from.
    generate: [...new Map(reports.flatMap((r) => r.generate).map((g) => [`${g.database}\u0000${g.ms}`, g])).values()],
    results: latestRows(byDate.map((r) => r.results)),
    throughput: latestRows(byDate.map((r) => r.throughput)),
    start: byDate.reduce<BenchReport['start']>((s, r) => r.start ?? s, null),
  };
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : String(n));

/** Whether a throughput row has a target on its database: the import's is set on PostgreSQL
 *  (results files before 2026-11-26T16 said `met: true` for PGlite's; its target text is `-`). */
const judged = (t: ThroughputWorkload) => t.met !== null && !t.target.startsWith('-');

/** The table for docs/performance.md: every row with its raw figures and its ratio. */
export function renderMarkdown(report: BenchReport): string {
  const lines = [
    '# Performance',
    '',
    'Written by `npm run bench` (do not edit by hand; the raw figures are in',
    '`bench/results/`). Each workload runs beside its bare baseline in the same run, on the',
    'same data, and the ratio is Tillit over the baseline. See `bench/README.md` for how.',
    '',
    ...(report.runs
      ? ['- Runs (this page puts separate runs together):', ...report.runs.map((r) => `  - ${r}`)]
      : [`- Run: ${report.date}${report.quick ? ' (quick: 1/100 scale)' : ''}`]),
    `- Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb} GB, Node ${report.machine.node}`,
    ...(report.runs ? [] : [`- Data: ${report.scale}`]),
    ...(report.only ? [`- Only: ${report.only.join(', ')} (a partial run)`] : []),
    ...report.generate.map((g) => `- Generation (COPY) on ${g.database}: ${g.ms} ms`),
    '',
    '| workload | database | Tillit req/s (ops/s) | p50 / p95 / p99 / max ms | bare req/s | bare p50 / p99 ms | ratio | target | met |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of report.results) {
    lines.push(
      `| ${r.workload} | ${r.database} | ${fmt(r.tillit.reqPerSec)} | ${fmt(r.tillit.p50)} / ${fmt(r.tillit.p95)} / ${fmt(r.tillit.p99)} / ${fmt(r.tillit.max)} | ${fmt(r.baseline?.reqPerSec)} | ${r.baseline ? `${r.baseline.p50} / ${r.baseline.p99}` : '-'} | ${fmt(r.ratio)} | ${r.target} | ${r.failed ? `no (failed: ${r.failed})` : r.met === null ? '-' : r.met ? 'yes' : 'no'} |`,
    );
  }
  if (report.start) {
    lines.push(
      `| embedded start: \`npm start\` (built) to /api/health | pglite | ${report.start.ms} ms to answer | - | - | - | - | ${report.start.target} (idle RSS ${report.start.idleRssMb} MB) | ${report.start.met ? 'yes' : 'no'} |`,
    );
  }
  if (report.throughput.length > 0) {
    lines.push(
      '',
      '| workload | database | Tillit rows | Tillit s | Tillit rows/s | bare rows/s (same rows) | ratio | target | met |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const t of report.throughput) {
      lines.push(
        `| ${t.workload}${t.notes ? ` (${t.notes})` : ''} | ${t.database} | ${t.tillit.rows} | ${(t.tillit.ms / 1000).toFixed(1)} | ${t.tillit.rowsPerSec} | ${t.baseline.rowsPerSec} (${(t.baseline.ms / 1000).toFixed(1)} s) | ${t.ratio} | ${t.target} | ${judged(t) ? (t.met ? 'yes' : 'no') : '-'} |`,
      );
    }
  }
  lines.push(
    '',
    'Without a baseline, `-` (p95 and max are measured for the per-operation workloads only).',
    'The import baseline is `COPY` of the same file into a table with a key and indexes on',
    'email, phone, name and company; the retention baseline is one `DELETE` of the same rows',
    '(written again with the same seed) whose links go by the same cascades.',
    '',
    'What limits each target that is not met (measured, with profiles) and what would reach it:',
    '[performance-limits.md](performance-limits.md), written by hand beside this page.',
    '',
  );
  return lines.join('\n');
}
