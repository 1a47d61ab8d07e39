import path from 'node:path';
import { pgliteTemplateFile } from './db/client.ts';
import { writePgliteTemplate } from './db/pglite-template.ts';

/**
 * Build step (`build.mjs` runs `node dist/build-template.js <cache dir>` after bundling): writes
 * the PGlite template beside the bundle, from the cache when nothing it is made of changed.
 */
const cacheDir = path.resolve(process.argv[2] ?? 'node_modules/.cache/tillit');
const started = performance.now();
const outcome = await writePgliteTemplate(pgliteTemplateFile(), cacheDir);
if (outcome === 'created') console.log(`PGlite template made in ${Math.round(performance.now() - started)} ms.`);
