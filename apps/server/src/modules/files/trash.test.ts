import type { TFile, TFileList, TStorageUsage, TTrashList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, files } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { verifyChain } from '../../privacy/audit/audit.service.ts';
import { purgeTrashJob } from '../people/trash.jobs.ts';
import { thumbnailsJob } from './files.jobs.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makeCompany,
  makePerson,
  multipart,
  pngImage,
  rawRequest,
  storedNames,
  uploadOk,
} from './files.test-helpers.ts';

/** Files in the shared trash (P-ACC-4): restore, and the purge that deletes the bytes. */
describeEachDatabase('files: trash, restore and purge', (env) => {
  let w: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'File trash');
  }, 60_000);
  const db = () => env().services.database.db;
  const usage = async () => (await w.member.client.get<TStorageUsage>('/api/v1/files/usage')).body;
  const auditOf = (action: string) =>
    withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, action))),
    );

  it('[P-CRM-7] a deleted file is in the shared trash, restorable, audited; a file of a trashed record waits for it', async () => {
    const p = await makePerson(w.member.client);
    const f = await uploadOk(env(), w.member.client, 'person', p.id, 'cv.txt', Buffer.from('my cv'));
    const del = await w.member.client.delete(`/api/v1/files/${f.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ kind: 'file', id: f.id, name: 'cv.txt' });
    expect((await w.member.client.get(`/api/v1/files/${f.id}`)).status).toBe(404);
    const list = await w.member.client.get<TFileList>(`/api/v1/files?kind=person&record=${p.id}`);
    expect(list.body.items).toHaveLength(0);
    const trash = await w.member.client.get<TTrashList>('/api/v1/trash?kind=file');
    expect(trash.body.items.map((i) => [i.kind, i.id, i.name])).toContainEqual(['file', f.id, 'cv.txt']);
    const all = await w.member.client.get<TTrashList>('/api/v1/trash?limit=200');
    expect(all.body.items.map((i) => i.id)).toContain(f.id);
    const back = await w.member.client.post<TFile>(`/api/v1/trash/file/${f.id}/restore`);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ id: f.id, deletedAt: null });
    expect((await w.member.client.get(`/api/v1/files/${f.id}`)).status).toBe(200);
    expect((await auditOf('file.deleted')).map((e) => e.targetId)).toContain(f.id);
    expect((await auditOf('file.restored')).map((e) => e.targetId)).toContain(f.id);
    // Deleted, then its person too: the file leaves the trash list and cannot come back alone.
    expect((await w.member.client.delete(`/api/v1/files/${f.id}`)).status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
    const later = await w.member.client.get<TTrashList>('/api/v1/trash?kind=file&limit=200');
    expect(later.body.items.map((i) => i.id)).not.toContain(f.id);
    const alone = await w.member.client.post<{ error: { code: string } }>(`/api/v1/trash/file/${f.id}/restore`);
    expect(alone.status).toBe(409);
    expect(alone.body.error.code).toBe('conflict');
    expect((await w.member.client.post(`/api/v1/trash/person/${p.id}/restore`)).status).toBe(200);
    expect((await w.member.client.post(`/api/v1/trash/file/${f.id}/restore`)).status).toBe(200);
  });

  it('[P-CRM-7] the purge deletes the bytes and the thumbnail of files trashed 30 days ago and gives the quota back', async () => {
    const p = await makePerson(w.member.client);
    const img = await uploadOk(env(), w.member.client, 'person', p.id, 'pic.png', await pngImage());
    const keep = await uploadOk(env(), w.member.client, 'person', p.id, 'keep.txt', Buffer.from('keep me'));
    await runJob(env().services, thumbnailsJob, {});
    expect(storedNames(env(), w.workspaceId)).toEqual(expect.arrayContaining([img.id, `${img.id}.thumb`, keep.id]));
    const before = await usage();
    expect((await w.member.client.delete(`/api/v1/files/${img.id}`)).status).toBe(200);
    // Still in the trash: the bytes and the quota stay (it can come back).
    expect(await usage()).toEqual(before);
    env().clock.advance(29 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    expect(storedNames(env(), w.workspaceId)).toContain(img.id);
    env().clock.advance(2 * DAY_MS);
    const result = await runJob(env().services, purgeTrashJob);
    expect(Number(result.files)).toBeGreaterThanOrEqual(1);
    const names = storedNames(env(), w.workspaceId);
    expect(names).not.toContain(img.id);
    expect(names).not.toContain(`${img.id}.thumb`);
    expect(names).toContain(keep.id);
    const after = await usage();
    expect(before.usedBytes - after.usedBytes).toBe(img.size);
    expect(before.fileCount - after.fileCount).toBe(1);
    expect((await w.member.client.post(`/api/v1/trash/file/${img.id}/restore`)).status).toBe(404);
    const purged = await auditOf('trash.purged');
    expect(purged.some((e) => Number((e.details as { files?: number }).files) >= 1)).toBe(true);
    expect(
      await withTenant(db(), { workspaceId: w.workspaceId }, (tx) => verifyChain(tx, w.workspaceId)),
    ).toMatchObject({ ok: true });
    // Idempotent: nothing more to purge.
    const again = await runJob(env().services, purgeTrashJob);
    expect(Number(again.files)).toBe(0);
  });

  it('[P-CRM-7] the purge of a person or company purges its files (live or trashed) with their bytes; the quota returns', async () => {
    const p = await makePerson(w.member.client);
    const c = await makeCompany(w.member.client);
    const pf = await uploadOk(env(), w.member.client, 'person', p.id, 'a.txt', Buffer.from('aaaa'));
    const cf = await uploadOk(env(), w.member.client, 'company', c.id, 'b.txt', Buffer.from('bbbbbb'));
    const photo = await rawRequest(
      env(),
      w.member.client,
      'PUT',
      `/api/v1/people/${p.id}/photo`,
      multipart('me.png', await pngImage()),
    );
    expect(photo.status).toBe(200);
    const before = await usage();
    expect((await w.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
    expect((await w.member.client.delete(`/api/v1/companies/${c.id}`)).status).toBe(200);
    env().clock.advance(31 * DAY_MS);
    await runJob(env().services, purgeTrashJob);
    const rows = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
      tx.select({ id: files.fileId }).from(files).where(eq(files.workspaceId, w.workspaceId)),
    );
    expect(rows.map((r) => r.id)).not.toContain(pf.id);
    expect(rows.map((r) => r.id)).not.toContain((photo.json() as TFile).id);
    expect(rows.map((r) => r.id)).not.toContain(cf.id);
    const names = storedNames(env(), w.workspaceId);
    expect(names).not.toContain(pf.id);
    expect(names).not.toContain(cf.id);
    const after = await usage();
    expect(before.usedBytes - after.usedBytes).toBeGreaterThanOrEqual(pf.size + cf.size);
  });
});
