import type { TImport } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace } from '../people/people.test-helpers.ts';
import { DEFAULTS, importCsv, undo, upload } from './import.test-helpers.ts';

describeEachDatabase('import of people: isolation and roles', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bImport: TImport;
  let bFileId: string;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'ImportA');
    b = await crmWorkspace(env(), 'ImportB');
    const file = await upload(b.member.client, 'b.csv', 'first,email\nBee,bee@b.example\nBad,nope\n');
    bFileId = file.id;
    bImport = await importCsv(b.member.client, 'first,email\nBee,bee@b.example\nBad,nope\n', {
      mapping: ['firstName', 'email'],
    });
    expect(bImport).toMatchObject({ created: 1, failed: 1 });
  });

  it("[P-CRM-10] another workspace cannot see, preview, report on, undo or import another's file", async () => {
    for (const user of [a.owner, a.member]) {
      const c = user.client;
      expect((await c.get(`/api/v1/imports/${bImport.id}`)).status).toBe(404);
      expect((await c.get(`/api/v1/imports/${bImport.id}/report`)).status).toBe(404);
      expect((await c.post(`/api/v1/imports/${bImport.id}/undo`, {})).status).toBe(404);
      expect((await c.get(`/api/v1/imports/files/${bFileId}/preview`)).status).toBe(404);
      const start = await c.post('/api/v1/imports', {
        fileId: bFileId,
        mapping: ['firstName', 'email'],
        duplicates: 'skip',
        defaults: DEFAULTS,
      });
      expect(start.status).toBe(404);
      const list = await c.get<{ items: TImport[] }>('/api/v1/imports');
      expect(list.body.items.map((i) => i.id)).not.toContain(bImport.id);
    }
    // Nothing of B's changed.
    const mine = await b.member.client.get<TImport>(`/api/v1/imports/${bImport.id}`);
    expect(mine.body).toMatchObject({ status: 'done', created: 1 });
  });

  it('[P-CRM-10] a viewer cannot upload, preview, start, list or undo imports (403)', async () => {
    const v = b.viewer.client;
    const up = await v.post('/api/v1/imports/files?name=v.csv', 'first\nV\n', { 'content-type': 'text/csv' });
    expect(up.status).toBe(403);
    expect((await v.get(`/api/v1/imports/files/${bFileId}/preview`)).status).toBe(403);
    const start = await v.post('/api/v1/imports', {
      fileId: bFileId,
      mapping: ['firstName', 'email'],
      duplicates: 'skip',
      defaults: DEFAULTS,
    });
    expect(start.status).toBe(403);
    expect((await v.get('/api/v1/imports')).status).toBe(403);
    expect((await v.get(`/api/v1/imports/${bImport.id}`)).status).toBe(403);
    expect((await v.post(`/api/v1/imports/${bImport.id}/undo`, {})).status).toBe(403);
  });

  it('[P-CRM-10] only the member who ran an import, or an admin, can undo it; private imports stay private', async () => {
    const other = await b.other.client.post(`/api/v1/imports/${bImport.id}/undo`, {});
    expect(other.status).toBe(403);
    const priv = await importCsv(b.member.client, 'first,email\nHidden,hidden@b.example\n', {
      mapping: ['firstName', 'email'],
      defaults: { ...DEFAULTS, visibility: 'private' },
    });
    const seen = await b.other.client.get<{ items: unknown[] }>('/api/v1/people?q=hidden@b');
    expect(seen.body.items).toHaveLength(0);
    const byAdmin = await undo(b.admin.client, priv.id);
    expect(byAdmin.status).toBe('undone');
    const gone = await b.member.client.get<{ items: unknown[] }>('/api/v1/people?q=hidden@b');
    expect(gone.body.items).toHaveLength(0);
  });

  it('[P-CRM-10] follows the permission matrix: a workspace that takes import from members refuses them (403)', async () => {
    const ws = await crmWorkspace(env(), 'ImportMatrix');
    const file = await upload(ws.member.client, 'm.csv', 'first\nMatrix\n');
    const taken = await ws.owner.client.put('/api/v1/permissions', {
      member: { people: ['read', 'create', 'update', 'delete', 'export'] },
    });
    expect(taken.status, taken.text).toBe(200);
    const up = await ws.member.client.post('/api/v1/imports/files?name=m.csv', 'first\nM\n', {
      'content-type': 'text/csv',
    });
    expect(up.status).toBe(403);
    const start = await ws.member.client.post('/api/v1/imports', {
      fileId: file.id,
      mapping: ['firstName'],
      duplicates: 'skip',
      defaults: DEFAULTS,
    });
    expect(start.status).toBe(403);
    // Admins keep it.
    const byAdmin = await importCsv(ws.admin.client, 'first\nAdmin Import\n', { mapping: ['firstName'] });
    expect(byAdmin.created).toBe(1);
  });

  it('[P-CRM-10] unauthenticated calls are refused (401)', async () => {
    const anon = env().client();
    expect((await anon.get('/api/v1/imports')).status).toBe(401);
    expect((await anon.post('/api/v1/imports/files?name=a.csv', 'a\n', { 'content-type': 'text/csv' })).status).toBe(
      401,
    );
  });
});
