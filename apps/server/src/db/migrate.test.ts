import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasesUnderTest, openTestDatabase } from '../../test/harness.ts';
import { declaredTables } from '../privacy/data-map/data-map.ts';
import type { Database } from './client.ts';
import { runMigrations } from './migrate.ts';

for (const kind of databasesUnderTest()) {
  describe(`runMigrations [${kind}]`, () => {
    let database: Database;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      ({ database, drop } = await openTestDatabase(kind));
    }, 120_000);
    afterAll(async () => {
      await drop();
      if (kind === 'pglite') await database.close();
    });

    const tenantTables = () => declaredTables().filter((t) => t.tenancy === 'tenant').length;
    const policedTables = async () => {
      const { rows } = await database.raw.query<{ n: number }>(
        `select count(distinct c.relname)::int as n from pg_policy p join pg_class c on c.oid = p.polrelid
          where p.polname = 'tenant_isolation' and c.relrowsecurity and c.relforcerowsecurity`,
      );
      return rows[0]?.n;
    };

    it('migrates a new database and puts every tenant table under row-level security', async () => {
      expect(await runMigrations(database)).toEqual({ migrated: true, rls: true });
      expect(await policedTables()).toBe(tenantTables());
    });

    it('does nothing on a database that is up to date', async () => {
      expect(await runMigrations(database)).toEqual({ migrated: false, rls: false });
      expect(await policedTables()).toBe(tenantTables());
    });

    it('re-applies the policies when the applied script is not the current one', async () => {
      await database.raw.exec(`COMMENT ON SCHEMA drizzle IS 'tillit row-level security 0000'`);
      await database.raw.exec(`DROP POLICY tenant_isolation ON "people"`);
      expect(await runMigrations(database)).toEqual({ migrated: false, rls: true });
      expect(await policedTables()).toBe(tenantTables());
      expect(await runMigrations(database)).toEqual({ migrated: false, rls: false });
    });
  });
}
