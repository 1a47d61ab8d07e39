import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import '../../db/schema/index.ts';
import { addMember, ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';
import { DATA_CATEGORIES, parentCategory } from './categories.ts';
import { declaredTables } from './data-map.ts';

describe('data categories', () => {
  it('form a tree: every parent of a category is a category', () => {
    for (const key of Object.keys(DATA_CATEGORIES)) {
      const parent = parentCategory(key);
      if (parent) expect(Object.keys(DATA_CATEGORIES), `${key} has no parent ${parent}`).toContain(parent);
    }
  });
});

describeEachDatabase('the data map', (env) => {
  it('declares every column of every table in the database, personal or not', async () => {
    const { rows } = await env().services.database.raw.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns
        where table_schema = 'public' order by table_name, ordinal_position`,
    );
    expect(rows.length).toBeGreaterThan(50);
    const declared = new Map(declaredTables().map((t) => [t.name, t]));
    const undeclared = rows
      .filter((r) => !declared.get(r.table_name)?.columns[r.column_name])
      .map((r) => `${r.table_name}.${r.column_name}`);
    expect(undeclared).toEqual([]);
    for (const t of declaredTables()) {
      for (const [name, decl] of Object.entries(t.columns)) {
        if (decl.personal) expect(Object.keys(DATA_CATEGORIES), `${t.name}.${name}`).toContain(decl.category);
      }
    }
  });

  it('[P-ACC-8] every table names its controller: the workspace for the people it keeps, the service only for account, security and usage data', async () => {
    const tables = declaredTables();
    const service = tables.filter((t) => t.controller === 'service');
    expect(service.length).toBeGreaterThan(0);
    for (const t of tables) {
      expect(['workspace', 'service'], t.name).toContain(t.controller);
      // The people in a workspace's data are the workspace's: it is the controller and
      // Tillit its processor, for every table about them.
      if (t.subject?.kind === 'person') expect(t.controller, `${t.name} is about people`).toBe('workspace');
    }
    // What the service controls is about its users (accounts, sessions, memberships, audit
    // of their actions), never about the people in a workspace's data.
    for (const t of service) expect(t.subject?.kind ?? 'none', t.name).not.toBe('person');
    expect(service.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'sessions']));
    // The API says the same for every table.
    const { owner } = await ownerWithWorkspace(env());
    const map = await owner.client.get<{ tables: { name: string; controller: string }[] }>('/api/privacy/data-map');
    expect(map.status).toBe(200);
    const byName = new Map(map.body.tables.map((t) => [t.name, t.controller]));
    for (const t of tables) expect(byName.get(t.name), t.name).toBe(t.controller);
  });

  it('is served to admins at GET /api/privacy/data-map and refused to others', async () => {
    const anonymous = await env().client().get('/api/privacy/data-map');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 'unauthenticated' } });
    const { owner } = await ownerWithWorkspace(env());
    const map = await owner.client.get<{
      tables: { name: string; columns: { name: string; personal: boolean; category: string | null }[] }[];
    }>('/api/privacy/data-map');
    expect(map.status).toBe(200);
    const usersTable = map.body.tables.find((t) => t.name === 'users');
    expect(usersTable?.columns).toContainEqual({
      name: 'email',
      personal: true,
      category: 'user.contact.email',
      note: null,
    });
    expect(map.body.tables.map((t) => t.name).sort()).toEqual(
      declaredTables()
        .map((t) => t.name)
        .sort(),
    );
    for (const role of ['member', 'viewer'] as const) {
      const user = await addMember(env(), owner.client, role);
      expect((await user.client.get('/api/privacy/data-map')).status).toBe(403);
    }
  });
});
