// Bundles the server into dist/ (workspace packages inlined, npm dependencies left
// external), copies the SQL migrations and the embedded database's worker script
// (src/db/pglite-worker.mjs) beside it and writes the PGlite template (an empty, migrated data
// directory a first start unpacks; src/db/pglite-template.ts), made again only when the
// migrations, the policies or PGlite changed (cached in node_modules/.cache/tillit).
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((d) => !d.startsWith('@tillit/'));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/main.ts', cli: 'src/cli.ts', 'build-template': 'src/build-template.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: [...external, ...external.map((d) => `${d}/*`)],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
cpSync('src/db/migrations', 'dist/migrations', { recursive: true });
// The embedded database's thread (src/db/pglite-remote.ts finds it beside the bundle).
cpSync('src/db/pglite-worker.mjs', 'dist/pglite-worker.mjs');
execFileSync(process.execPath, ['dist/build-template.js', 'node_modules/.cache/tillit'], { stdio: 'inherit' });
rmSync('dist/build-template.js');
rmSync('dist/build-template.js.map');
