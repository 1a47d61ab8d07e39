// Bundles the benchmark runner and the bare baseline server into bench/dist/.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = [...Object.keys(pkg.dependencies), 'pg', 'fastify', '@electric-sql/pglite'];
const here = new URL('.', import.meta.url).pathname;

rmSync(`${here}dist`, { recursive: true, force: true });
await build({
  entryPoints: { run: `${here}src/run.ts`, bare: `${here}src/bare-main.ts` },
  outdir: `${here}dist`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: [...external, ...external.map((d) => `${d}/*`)],
  logLevel: 'warning',
});
