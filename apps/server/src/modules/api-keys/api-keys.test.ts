import type { TApiKey, TApiKeyList, TCreatedApiKey, TPersonList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestClient } from '../../../test/harness.ts';
import { apiKeys, auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../people/people.test-helpers.ts';
import { hashSecret, parseKey } from './api-keys.token.ts';

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function createKey(client: TestClient, body: Record<string, unknown>): Promise<TCreatedApiKey> {
  const res = await client.post<TCreatedApiKey>('/api/v1/api-keys', { name: 'Zapier', role: 'member', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A client with no cookies: what a script holding only the key looks like. */
const script = (env: { client(): TestClient }) => {
  const c = env.client();
  return c;
};

describeEachDatabase('API keys', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
  }, 300_000);

  describe('create and use', () => {
    it('[P-SEC-5] an admin creates a key, shown once; it reads people with people:read, and only a hash is stored', async () => {
      const person = await makePerson(a.member.client);
      const created = await createKey(a.admin.client, { scopes: ['people:read'] });
      expect(created.key).toMatch(/^tlt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      expect(created.key.startsWith(created.prefix)).toBe(true);
      expect(created.status).toBe('active');

      const res = await script(env()).get<TPersonList>('/api/v1/people', bearer(created.key));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.map((p) => p.id)).toContain(person.id);

      const list = await a.admin.client.get<TApiKeyList>('/api/v1/api-keys');
      const listed = list.body.items.find((k) => k.id === created.id);
      expect(listed).toBeDefined();
      expect(JSON.stringify(list.body)).not.toContain(created.key.slice(-43));
      expect(listed?.lastUsedAt).toBe(env().clock.now().toISOString());

      const [row] = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx.select().from(apiKeys).where(eq(apiKeys.apiKeyId, created.id)),
      );
      const secret = parseKey(created.key)?.secret ?? '';
      expect(row?.secretHash).toBe(hashSecret(secret));
      expect(JSON.stringify(row)).not.toContain(secret);

      const audit = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, a.workspaceId), eq(auditEntries.targetId, created.id))),
      );
      expect(audit.map((e) => e.action)).toEqual(['api_key.created']);
      expect(audit[0]?.actorId).toBe(a.admin.userId);
    });

    it('[P-SEC-5] a scope the key lacks is refused (403), and so is a write its role may not do', async () => {
      const reader = await createKey(a.admin.client, { scopes: ['people:read'] });
      const refused = await script(env()).post(
        '/api/v1/people',
        { firstName: 'Bot', subjectCategories: ['client'] },
        bearer(reader.key),
      );
      expect(refused.status).toBe(403);
      expect((await script(env()).get('/api/v1/companies', bearer(reader.key))).status).toBe(403);

      const viewerKey = await createKey(a.admin.client, { role: 'viewer', scopes: ['people:read', 'people:create'] });
      const byViewer = await script(env()).post(
        '/api/v1/people',
        { firstName: 'Bot', subjectCategories: ['client'] },
        bearer(viewerKey.key),
      );
      expect(byViewer.status).toBe(403);

      const writer = await createKey(a.admin.client, { scopes: ['people:read', 'people:create'] });
      const made = await script(env()).post<{ id: string }>(
        '/api/v1/people',
        { firstName: 'Bot', subjectCategories: ['client'] },
        bearer(writer.key),
      );
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      // The key acts as its creator: the audit names them.
      const [entry] = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, a.workspaceId), eq(auditEntries.targetId, made.body.id))),
      );
      expect(entry?.actorId).toBe(a.admin.userId);
    });

    it('[P-SEC-5] a key cannot have a role above its creator, nor an unknown scope, nor a past expiry', async () => {
      const above = await a.admin.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/api-keys', {
        name: 'x',
        role: 'owner',
        scopes: ['people:read'],
      });
      expect(above.status).toBe(422);
      expect(above.body.error.fields).toHaveProperty('role');
      const unknown = await a.admin.client.post('/api/v1/api-keys', {
        name: 'x',
        role: 'member',
        scopes: ['people:fly'],
      });
      expect(unknown.status).toBe(422);
      const past = await a.admin.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/api-keys', {
        name: 'x',
        role: 'member',
        scopes: ['people:read'],
        expiresAt: '2020-01-01T00:00:00Z',
      });
      expect(past.status).toBe(422);
      expect(past.body.error.fields).toHaveProperty('expiresAt');
    });

    it('[P-SEC-5] a private person stays invisible to a member-role key of another member; an admin-role key sees it', async () => {
      const hidden = await makePerson(a.other.client, { visibility: 'private' });
      const memberKey = await createKey(a.admin.client, { scopes: ['people:read'] });
      const seen = await script(env()).get(`/api/v1/people/${hidden.id}`, bearer(memberKey.key));
      expect(seen.status).toBe(404);
      const adminKey = await createKey(a.admin.client, { role: 'admin', scopes: ['people:read'] });
      expect((await script(env()).get(`/api/v1/people/${hidden.id}`, bearer(adminKey.key))).status).toBe(200);
    });
  });

  describe('expiry and revocation', () => {
    it('[P-SEC-5] an expired key and a revoked key are refused (401); revoking is audited', async () => {
      const now = env().clock.now();
      const soon = await createKey(a.admin.client, {
        scopes: ['people:read'],
        expiresAt: new Date(now.getTime() + 3600_000).toISOString(),
      });
      expect((await script(env()).get('/api/v1/people', bearer(soon.key))).status).toBe(200);
      env().clock.advance(3600_000);
      const expired = await script(env()).get<{ error: { code: string } }>('/api/v1/people', bearer(soon.key));
      expect(expired.status).toBe(401);
      expect(expired.body.error.code).toBe('api_key_expired');

      const k = await createKey(a.admin.client, { scopes: ['people:read'] });
      const revoked = await a.admin.client.delete<TApiKey>(`/api/v1/api-keys/${k.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.status).toBe('revoked');
      const after = await script(env()).get<{ error: { code: string } }>('/api/v1/people', bearer(k.key));
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('api_key_revoked');
      const wrong = `${k.key.slice(0, -4)}AAAA`;
      expect((await script(env()).get('/api/v1/people', bearer(wrong))).status).toBe(401);
      expect((await script(env()).get('/api/v1/people', bearer('tlt_nonsense'))).status).toBe(401);
    });
  });

  describe('every record route checks the scopes', () => {
    it('[P-SEC-5] tasks, projects, notes, the timeline, files, duplicates, the dashboard and search take a key with the scope and refuse it without', async () => {
      const person = await makePerson(a.member.client, { firstName: 'Scoped', lastName: 'Searchable' });
      const none = await createKey(a.admin.client, { scopes: ['deals:create'] });
      const withScopes = await createKey(a.admin.client, {
        scopes: [
          'people:read',
          'tasks:read',
          'tasks:create',
          'projects:read',
          'notes:read',
          'notes:create',
          'files:read',
          'deals:read',
        ],
      });
      const reads = [
        '/api/v1/tasks',
        '/api/v1/projects',
        `/api/v1/timeline?person=${person.id}`,
        `/api/v1/interactions?person=${person.id}`,
        '/api/v1/files/usage',
        '/api/v1/people/duplicates',
        '/api/v1/dashboard/pipeline',
        '/api/v1/search?q=Searchable',
      ];
      for (const url of reads) {
        const refused = await script(env()).get(url, bearer(none.key));
        expect(refused.status, `${url} without the scope`).toBe(403);
        const ok = await script(env()).get(url, bearer(withScopes.key));
        expect(ok.status, `${url} with the scope: ${JSON.stringify(ok.body)}`).toBe(200);
      }
      const task = await script(env()).post<{ id: string }>(
        '/api/v1/tasks',
        { title: 'Call back', personIds: [person.id] },
        bearer(withScopes.key),
      );
      expect(task.status, JSON.stringify(task.body)).toBe(201);
      const note = await script(env()).post(
        '/api/v1/notes',
        { bodyHtml: '<p>Keyed note</p>', personIds: [person.id] },
        bearer(withScopes.key),
      );
      expect(note.status, JSON.stringify(note.body)).toBe(201);
      // Without the create scope, the write is refused even though reads pass.
      const project = await script(env()).post('/api/v1/projects', { name: 'Keyed' }, bearer(withScopes.key));
      expect(project.status).toBe(403);
      // Search shows only the kinds the key may read.
      const found = await script(env()).get<{ items: { kind: string; id: string }[] }>(
        '/api/v1/search?q=Searchable',
        bearer(withScopes.key),
      );
      expect(found.body.items.map((i) => i.id)).toContain(person.id);
      const companiesOnly = await createKey(a.admin.client, { scopes: ['companies:read'] });
      const noPeople = await script(env()).get<{ items: { kind: string }[] }>(
        '/api/v1/search?q=Searchable',
        bearer(companiesOnly.key),
      );
      expect(noPeople.status).toBe(200);
      expect(noPeople.body.items.filter((i) => i.kind === 'person')).toEqual([]);
    });
  });

  describe('where keys are not accepted', () => {
    it('[P-SEC-5] a key (even an owner-role key) cannot manage keys, permissions, webhooks, members, invitations, teams or the account', async () => {
      const k = await createKey(a.owner.client, { role: 'owner', scopes: ['people:read'] });
      const calls: [string, string][] = [
        ['GET', '/api/v1/api-keys'],
        ['POST', '/api/v1/api-keys'],
        ['GET', '/api/v1/permissions'],
        ['PUT', '/api/v1/permissions'],
        ['GET', '/api/v1/webhooks'],
        ['GET', '/api/members'],
        ['GET', '/api/invitations'],
        ['POST', '/api/teams'],
        ['GET', '/api/account/me'],
        ['GET', '/api/workspaces'],
        ['GET', '/api/audit'],
      ];
      for (const [method, url] of calls) {
        const res = await script(env()).request(
          method as 'GET',
          url,
          method === 'GET'
            ? undefined
            : url === '/api/v1/permissions'
              ? {}
              : url === '/api/teams'
                ? { name: 'Keyed' }
                : { name: 'x', role: 'owner', scopes: ['people:read'] },
          bearer(k.key),
        );
        expect([401, 403], `${method} ${url}: ${res.status}`).toContain(res.status);
      }
      // A signed-in browser that also sends the key is treated as the key, never as the session.
      const both = await a.owner.client.get('/api/v1/api-keys', bearer(k.key));
      expect(both.status).toBe(403);
    });

    it('[P-SEC-5] members and viewers may not list, create or revoke keys', async () => {
      const k = await createKey(a.admin.client, { scopes: ['people:read'] });
      for (const u of [a.member, a.viewer]) {
        expect((await u.client.get('/api/v1/api-keys')).status).toBe(403);
        expect(
          (await u.client.post('/api/v1/api-keys', { name: 'x', role: 'viewer', scopes: ['people:read'] })).status,
        ).toBe(403);
        expect((await u.client.delete(`/api/v1/api-keys/${k.id}`)).status).toBe(403);
      }
    });
  });

  describe('isolation', () => {
    it("[P-SEC-5] a key of workspace A cannot read B's data, even naming B; B's admin cannot list or revoke A's keys", async () => {
      const bPerson = await makePerson(b.owner.client);
      const k = await createKey(a.admin.client, { role: 'admin', scopes: ['people:read', 'people:update'] });
      const own = await script(env()).get<TPersonList>('/api/v1/people', bearer(k.key));
      expect(own.body.items.map((p) => p.id)).not.toContain(bPerson.id);
      expect((await script(env()).get(`/api/v1/people/${bPerson.id}`, bearer(k.key))).status).toBe(404);
      const naming = { ...bearer(k.key), 'x-tillit-workspace': b.workspaceId };
      expect((await script(env()).get('/api/v1/people', naming)).status).toBe(403);
      expect((await script(env()).patch(`/api/v1/people/${bPerson.id}`, { title: 'x' }, naming)).status).toBe(403);

      const bList = await b.admin.client.get<TApiKeyList>('/api/v1/api-keys');
      expect(bList.body.items.map((x) => x.id)).not.toContain(k.id);
      expect((await b.admin.client.delete(`/api/v1/api-keys/${k.id}`)).status).toBe(404);
      expect((await a.admin.client.get('/api/v1/api-keys', { 'x-tillit-workspace': b.workspaceId })).status).toBe(403);
      expect((await script(env()).get('/api/v1/people', bearer(k.key))).status).toBe(200);
    });

    it('[P-SEC-5] a key acts at most with the current role of its creator: demoting the creator narrows the key', async () => {
      const k = await createKey(a.admin.client, { role: 'admin', scopes: ['people:read'] });
      const hidden = await makePerson(a.other.client, { visibility: 'private' });
      expect((await script(env()).get(`/api/v1/people/${hidden.id}`, bearer(k.key))).status).toBe(200);
      expect((await a.owner.client.patch(`/api/members/${a.admin.userId}`, { role: 'member' })).status).toBe(200);
      expect((await script(env()).get(`/api/v1/people/${hidden.id}`, bearer(k.key))).status).toBe(404);
      expect((await a.owner.client.patch(`/api/members/${a.admin.userId}`, { role: 'admin' })).status).toBe(200);
    });
  });
});

describeEachDatabase(
  'API keys: rate limit',
  (env) => {
    it('[P-SEC-5] each key has its own token bucket: over the rate it gets 429 until time refills it', async () => {
      const a = await crmWorkspace(env(), 'Rate');
      const k = await createKey(a.admin.client, { scopes: ['people:read'] });
      const other = await createKey(a.admin.client, { scopes: ['people:read'] });
      const c = script(env());
      for (let i = 0; i < 3; i += 1) expect((await c.get('/api/v1/people', bearer(k.key))).status).toBe(200);
      const limited = await c.get<{ error: { code: string } }>('/api/v1/people', bearer(k.key));
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect((await c.get('/api/v1/people', bearer(other.key))).status).toBe(200);
      env().clock.advance(20_000);
      expect((await c.get('/api/v1/people', bearer(k.key))).status).toBe(200);
    }, 60_000);
  },
  { env: { API_KEY_RATE_PER_MINUTE: '3' } },
);
