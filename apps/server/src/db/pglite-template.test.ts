import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { openDatabase, unpackTar } from './client.ts';
import { runMigrations } from './migrate.ts';
import { createPgliteTemplate } from './pglite-template.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tillit-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a data directory unpacked from the template opens migrated, with its policies, and empty', async () => {
  const file = path.join(dir, 'template.tar.gz');
  writeFileSync(file, await createPgliteTemplate());
  const dataDir = path.join(dir, 'pglite');
  unpackTar(file, dataDir);
  const database = await openDatabase({ kind: 'pglite', dataDir });
  try {
    expect(await runMigrations(database)).toEqual({ migrated: false, rls: false });
    const { rows } = await database.raw.query<{ users: number; workspaces: number; policies: number }>(
      `select (select count(*) from users)::int as users, (select count(*) from workspaces)::int as workspaces,
              (select count(*) from pg_policy where polname = 'tenant_isolation')::int as policies`,
    );
    expect(rows[0]).toMatchObject({ users: 0, workspaces: 0 });
    expect(rows[0]?.policies).toBeGreaterThan(10);
    // The unpacked directory is a working database, not a read-only copy.
    await database.raw.exec(`create table template_probe (id int); insert into template_probe values (1)`);
  } finally {
    await database.close();
  }
}, 300_000);

it('refuses a tar that would write outside the data directory', () => {
  const header = Buffer.alloc(512);
  header.write('../escape', 0, 'utf8');
  header.write('0000644\0', 100, 'utf8');
  header.write('00000000000\0', 124, 'utf8');
  header.write('0', 156, 'utf8');
  const file = path.join(dir, 'evil.tar.gz');
  writeFileSync(file, gzipSync(Buffer.concat([header, Buffer.alloc(1024)])));
  expect(() => unpackTar(file, path.join(dir, 'evil'))).toThrow(/Unsafe path/);
});
