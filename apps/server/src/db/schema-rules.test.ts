import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/harness.ts';
import { newId } from '../lib/ids.ts';
import { createWorkspace } from '../modules/workspaces/workspaces.service.ts';
import { appendAudit } from '../privacy/audit/audit.service.ts';
import { declaredTables } from '../privacy/data-map/data-map.ts';
import { users } from './schema/index.ts';
import { APP_ROLE, withTenant } from './tenant.ts';

type KeyRow = {
  table: string;
  kind: string;
  name: string;
  columns: string[];
  ref_table: string | null;
  ref_columns: string[] | null;
};

describeEachDatabase('schema rules', (env) => {
  const tenantTables = () => declaredTables().filter((t) => t.tenancy === 'tenant');

  it('[P-SEC-5] workspace_id leads every primary, unique and foreign key of every tenant table', async () => {
    const raw = env().services.database.raw;
    const { rows } = await raw.query<KeyRow>(`
      select c.relname as table, k.contype as kind, k.conname as name,
             array(select a.attname::text from unnest(k.conkey) with ordinality u(n, i)
                   join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i) as columns,
             rc.relname as ref_table,
             case when k.confrelid <> 0 then array(select a.attname::text from unnest(k.confkey) with ordinality u(n, i)
                   join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.i) end as ref_columns
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
        left join pg_class rc on rc.oid = k.confrelid
       where k.contype in ('p', 'u', 'f')`);
    const { rows: indexes } = await raw.query<{ table: string; name: string; first: string }>(`
      select t.relname as table, i.relname as name, a.attname::text as first
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace and n.nspname = 'public'
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
       where x.indisunique`);
    const tenant = new Set(tenantTables().map((t) => t.name));
    const broken: string[] = [];
    for (const k of rows) {
      if (!tenant.has(k.table)) continue;
      if (k.kind === 'f' && k.ref_table && !tenant.has(k.ref_table)) continue; // a reference to a global table (users)
      if (k.columns[0] !== 'workspace_id') broken.push(`${k.table}.${k.name} starts with ${k.columns[0]}`);
      if (k.kind === 'f' && k.ref_columns?.[0] !== 'workspace_id')
        broken.push(`${k.table}.${k.name} references ${k.ref_columns}`);
    }
    for (const i of indexes) {
      if (tenant.has(i.table) && i.first !== 'workspace_id')
        broken.push(`${i.table}: unique index ${i.name} starts with ${i.first ?? 'an expression'}`);
    }
    expect(rows.length).toBeGreaterThan(10);
    expect(broken).toEqual([]);
  });

  it('[P-SEC-5] row-level security is enabled and forced on every tenant table, for a role that cannot bypass it', async () => {
    const raw = env().services.database.raw;
    const { rows } = await raw.query<{
      relname: string;
      relrowsecurity: boolean;
      relforcerowsecurity: boolean;
      policies: number;
    }>(`
      select c.relname, c.relrowsecurity, c.relforcerowsecurity,
             (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'`);
    const byName = new Map(rows.map((r) => [r.relname, r]));
    for (const t of tenantTables()) {
      const r = byName.get(t.name);
      expect(r, t.name).toBeDefined();
      expect(r?.relrowsecurity, `${t.name} has RLS enabled`).toBe(true);
      expect(r?.relforcerowsecurity, `${t.name} forces RLS`).toBe(true);
      expect(r?.policies, `${t.name} has a policy`).toBeGreaterThan(0);
    }
    // Every table that has a workspace_id column is declared as a tenant table.
    const { rows: withWs } = await raw.query<{ table_name: string }>(
      `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'workspace_id'`,
    );
    const tenant = new Set(tenantTables().map((t) => t.name));
    // outbox_messages: instance-level mail; workspace_id only says which workspace sent it.
    // api_key_lookups: key prefix -> workspace, read before any workspace is known (no secret).
    const exempt = new Set(['outbox_messages', 'api_key_lookups']);
    expect(withWs.map((r) => r.table_name).filter((t) => !tenant.has(t) && !exempt.has(t))).toEqual([]);
    const { rows: role } = await raw.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      `select rolsuper, rolbypassrls from pg_roles where rolname = $1`,
      [APP_ROLE],
    );
    expect(role).toEqual([{ rolsuper: false, rolbypassrls: false }]);
  });

  it('[P-SEC-5] RLS alone hides another workspace: unfiltered reads see only the own rows, writes into another are refused', async () => {
    const { services } = env();
    const db = services.database.db;
    const now = services.clock.now();
    const owners = [newId(), newId()];
    for (const [i, id] of owners.entries()) {
      await db.insert(users).values({ id, name: `Owner ${i}`, email: `rls-owner-${i}-${id}@example.test` });
    }
    const a = await createWorkspace(services, owners[0] as string, { name: 'A', country: 'NO', region: 'eu' });
    const b = await createWorkspace(services, owners[1] as string, { name: 'B', country: 'DE', region: 'eu' });
    for (const t of tenantTables()) {
      const seen = await withTenant(db, { workspaceId: a.workspaceId }, async (tx) => {
        const r = await tx.execute(sql.raw(`select workspace_id::text as w from "${t.name}"`));
        return (r as unknown as { rows: { w: string }[] }).rows.map((x) => x.w);
      });
      expect(
        seen.filter((w) => w !== a.workspaceId),
        `${t.name} shows another workspace's rows`,
      ).toEqual([]);
    }
    // Under B's scope, B's rows are there (so the filter above was not vacuous).
    const bRows = await withTenant(db, { workspaceId: b.workspaceId }, async (tx) => {
      const r = await tx.execute(sql`select count(*)::int as n from audit_entries`);
      return (r as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0;
    });
    expect(bRows).toBeGreaterThan(0);
    await expect(
      withTenant(db, { workspaceId: a.workspaceId }, (tx) =>
        appendAudit(tx, b.workspaceId, { actor: { kind: 'system' }, action: 'test.cross_write' }, now),
      ),
    ).rejects.toThrow();
  });
});
