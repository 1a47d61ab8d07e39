import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number, child?: ChildProcess): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type Running = { url: string; pid: number; stop(): Promise<void>; output(): string };

/** What `npm start` runs (package.json's `start`: `node [flags] <script>`), so that the
 *  embedded start and the servers on PGlite run with the flags users get. */
export function startCommand(): { nodeArgs: string[]; script: string } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const script = words.at(-1);
  if (words[0] !== 'node' || !script)
    throw new Error(`package.json start is not "node [flags] <script>": ${pkg.scripts.start}`);
  return { nodeArgs: words.slice(1, -1), script };
}

/** Starts `node [nodeArgs] <script>` with `env`, waits for `healthPath` to answer 200. */
export async function startNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  healthPath: string,
  port: number,
  nodeArgs: readonly string[] = [],
): Promise<Running & { startMs: number }> {
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output = (output + d).slice(-20_000);
  });
  child.stderr?.on('data', (d) => {
    output = (output + d).slice(-20_000);
  });
  const url = `http://127.0.0.1:${port}`;
  let startMs: number;
  try {
    startMs = await waitForHttp(`${url}${healthPath}`, 120_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    url,
    pid: child.pid ?? 0,
    startMs,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process and its descendants, in MB (Linux /proc). */
export function residentMb(pid: number): number {
  let kb = 0;
  const visit = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      if (m) kb += Number(m[1]);
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const c of children.split(/\s+/).filter(Boolean)) visit(Number(c));
    } catch {
      // the process is gone
    }
  };
  visit(pid);
  return Math.round(kb / 1024);
}

/** Bytes this process has caused to be written to storage (Linux /proc; 0 elsewhere). */
export function bytesWrittenHere(): number {
  try {
    const line = readFileSync('/proc/self/io', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('write_bytes:'));
    return line ? Number(line.split(':')[1]) : 0;
  } catch {
    return 0;
  }
}
