import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteDatabase, pgliteOptions, pgliteVersion } from './client.ts';
import { migrationsFolder, runMigrations } from './migrate.ts';
import { rowLevelSecurityScript } from './rls.ts';

// The PGlite template: an empty, migrated data directory (initdb, every migration, the
// row-level-security policies; no rows, no keys: nothing that belongs to one instance),
// packed at build time into `dist/` (`pgliteTemplateFile`). A first start unpacks it instead
// of running initdb (~4 s of CPU and ~800 MB in its own process) and every migration (~3 s
// of CPU). The server still runs whatever is pending after unpacking (`runMigrations`), so a
// template older than the code only costs time.

/** What the template is made of: a change to any of these makes a new one. */
export function pgliteTemplateKey(): string {
  const hash = createHash('sha256');
  hash.update(`pglite ${pgliteVersion()}\n${JSON.stringify(pgliteOptions)}\n`);
  const folder = migrationsFolder();
  const journal = readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8');
  hash.update(journal);
  for (const entry of (JSON.parse(journal) as { entries: { tag: string }[] }).entries) {
    hash.update(readFileSync(path.join(folder, `${entry.tag}.sql`)));
  }
  hash.update(rowLevelSecurityScript());
  return hash.digest('hex').slice(0, 32);
}

/** Makes the template in memory: initdb, migrations, policies, a checkpoint, then a gzipped tar. */
export async function createPgliteTemplate(): Promise<Buffer> {
  const client = new PGlite(pgliteOptions);
  await client.waitReady;
  try {
    await runMigrations(pgliteDatabase(client));
    await client.exec('CHECKPOINT');
    const tar = await client.dumpDataDir('gzip');
    return Buffer.from(await tar.arrayBuffer());
  } finally {
    await client.close();
  }
}

/**
 * Writes the template to `file`, from `cacheDir` when one with the same key was made before
 * (a build that changed no migration spends no initdb).
 */
export async function writePgliteTemplate(file: string, cacheDir: string): Promise<'cached' | 'created'> {
  const cached = path.join(cacheDir, `pglite-template-${pgliteTemplateKey()}.tar.gz`);
  let outcome: 'cached' | 'created' = 'cached';
  if (!existsSync(cached)) {
    const tar = await createPgliteTemplate();
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${cached}.tmp`, tar);
    renameSync(`${cached}.tmp`, cached);
    outcome = 'created';
  }
  copyFileSync(cached, file);
  return outcome;
}
