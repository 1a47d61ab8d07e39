import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { Database, RawSql } from './client.ts';
import { rowLevelSecurityScript } from './rls.ts';
import { APP_ROLE } from './tenant.ts';

/** Where the committed SQL migrations are, both from source and from the built bundle. */
export function migrationsFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From source this is src/db/migrations; the build copies them to dist/migrations.
  return path.join(here, 'migrations');
}

/** What a start found and did: `migrated` when migrations were pending, `rls` when the policies were (re)applied. */
export type MigrationRun = { migrated: boolean; rls: boolean };

// The digest of the row-level-security script last applied is kept as the comment of the
// migrator's own schema (`drizzle`, made by drizzle's migrator, one per database).
const RLS_MARK = 'tillit row-level security ';

/**
 * Applies pending migrations, then the row-level-security script when migrations ran or the
 * script changed. A start on an up-to-date database costs two small queries: the script
 * drops and re-creates every policy, which on PGlite took ~1 s and ~40 MB of its heap.
 */
export async function runMigrations(database: Database): Promise<MigrationRun> {
  const folder = migrationsFolder();
  const script = rowLevelSecurityScript();
  const digest = createHash('sha256').update(script).digest('hex');
  const state = await readMigrationState(database.raw);
  const pending = state.lastApplied === null || state.lastApplied < latestMigration(folder);
  if (!pending && state.rlsDigest === digest && state.appRole) return { migrated: false, rls: false };
  if (pending) {
    if (database.kind === 'postgres') {
      await migratePg(database.db as unknown as NodePgDatabase, { migrationsFolder: folder });
    } else {
      await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: folder });
    }
  }
  await database.raw.exec(`${script}\nCOMMENT ON SCHEMA drizzle IS '${RLS_MARK}${digest}';`);
  return { migrated: pending, rls: true };
}

/** The `when` of the newest committed migration (drizzle applies those newer than the last applied). */
function latestMigration(folder: string): number {
  const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  return Math.max(0, ...journal.entries.map((e) => e.when));
}

type MigrationState = {
  lastApplied: number | null;
  rlsDigest: string | null;
  /** The app role exists and the connecting user may switch to it (a dump restored into a
   *  new PostgreSQL cluster brings the policies and the digest, not the role). */
  appRole: boolean;
};

async function readMigrationState(raw: RawSql): Promise<MigrationState> {
  const [table] = (
    await raw.query<{ present: boolean }>(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`)
  ).rows;
  if (!table?.present) return { lastApplied: null, rlsDigest: null, appRole: false };
  const [row] = (
    await raw.query<{ last: string | number | null; note: string | null; role: boolean }>(
      `select (select max(created_at) from drizzle.__drizzle_migrations) as last,
              obj_description('drizzle'::regnamespace, 'pg_namespace') as note,
              exists (select 1 from pg_roles r
                       where r.rolname = $1 and pg_has_role(current_user, r.oid, 'MEMBER')) as role`,
      [APP_ROLE],
    )
  ).rows;
  const note = row?.note ?? null;
  return {
    lastApplied: row?.last === null || row?.last === undefined ? null : Number(row.last),
    rlsDigest: note?.startsWith(RLS_MARK) ? note.slice(RLS_MARK.length) : null,
    appRole: row?.role === true,
  };
}
