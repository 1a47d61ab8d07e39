import type { TFile, TFileList, TPerson, TTrashList } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, files, people, workspaceStorage } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  makePerson,
  multipart,
  pngImage,
  rawRequest,
  upload,
  uploadOk,
} from './files.test-helpers.ts';

describeEachDatabase('files: isolation, roles, visibility', (env) => {
  let a: CrmWorkspace;
  let b: CrmWorkspace;
  let bPerson: TPerson;
  let bFile: TFile;
  let bTrashed: TFile;
  let secretPerson: TPerson;
  let secretFile: TFile;

  beforeAll(async () => {
    a = await crmWorkspace(env(), 'Alpha');
    b = await crmWorkspace(env(), 'Bravo');
    bPerson = await makePerson(b.member.client);
    bFile = await uploadOk(env(), b.member.client, 'person', bPerson.id, 'b.png', await pngImage());
    bTrashed = await uploadOk(env(), b.member.client, 'person', bPerson.id, 'gone.txt', Buffer.from('gone'));
    expect((await b.member.client.delete(`/api/v1/files/${bTrashed.id}`)).status).toBe(200);
    secretPerson = await makePerson(a.member.client, { visibility: 'private' });
    secretFile = await uploadOk(env(), a.member.client, 'person', secretPerson.id, 'secret.txt', Buffer.from('s'));
  }, 120_000);

  const snapshotB = () =>
    withTenant(env().services.database.db, { workspaceId: b.workspaceId }, async (tx) => ({
      files: await tx.select().from(files).where(eq(files.workspaceId, b.workspaceId)).orderBy(files.fileId),
      usage: await tx.select().from(workspaceStorage).where(eq(workspaceStorage.workspaceId, b.workspaceId)),
      photo: await tx.select({ photo: people.photoFileId }).from(people).where(eq(people.workspaceId, b.workspaceId)),
      audit: (await tx.select().from(auditEntries).where(eq(auditEntries.workspaceId, b.workspaceId))).length,
    }));

  type Call = { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; upload?: boolean };
  const everyEndpoint = (personId: string, fileId: string, trashedId: string): Call[] => [
    { method: 'GET', url: `/api/v1/files?kind=person&record=${personId}` },
    { method: 'POST', url: `/api/v1/files?kind=person&record=${personId}`, upload: true },
    { method: 'GET', url: `/api/v1/files/${fileId}` },
    { method: 'GET', url: `/api/v1/files/${fileId}/content` },
    { method: 'GET', url: `/api/v1/files/${fileId}/thumbnail` },
    { method: 'DELETE', url: `/api/v1/files/${fileId}` },
    { method: 'POST', url: `/api/v1/trash/file/${trashedId}/restore` },
    { method: 'PUT', url: `/api/v1/people/${personId}/photo`, upload: true },
    { method: 'DELETE', url: `/api/v1/people/${personId}/photo` },
  ];
  const send = async (client: CrmWorkspace['owner']['client'], call: Call, headers: Record<string, string> = {}) => {
    if (call.upload || call.method === 'GET') {
      const body = call.upload ? multipart('x.png', await pngImage()) : undefined;
      return (await rawRequest(env(), client, call.method as 'GET' | 'POST' | 'PUT', call.url, body, headers)).status;
    }
    return (await client.request(call.method, call.url, call.method === 'POST' ? {} : undefined, headers)).status;
  };

  describe('isolation', () => {
    it('[P-CRM-7] naming another workspace in X-Tillit-Workspace is refused on every endpoint (403), and B is unchanged', async () => {
      const before = await snapshotB();
      for (const user of [a.owner, a.member, a.viewer]) {
        for (const call of everyEndpoint(bPerson.id, bFile.id, bTrashed.id)) {
          expect(
            await send(user.client, call, { 'x-tillit-workspace': b.workspaceId }),
            `${call.method} ${call.url}`,
          ).toBe(403);
        }
        const usage = await user.client.get('/api/v1/files/usage', { 'x-tillit-workspace': b.workspaceId });
        expect(usage.status).toBe(403);
      }
      expect(await snapshotB()).toEqual(before);
    });

    it("[P-CRM-7] B's ids used in A's own workspace are simply not found (404), and B is unchanged", async () => {
      const before = await snapshotB();
      for (const call of everyEndpoint(bPerson.id, bFile.id, bTrashed.id)) {
        expect(await send(a.owner.client, call), `${call.method} ${call.url}`).toBe(404);
      }
      const trash = await a.owner.client.get<TTrashList>('/api/v1/trash?kind=file&limit=200');
      expect(trash.body.items.map((i) => i.id)).not.toContain(bTrashed.id);
      expect(await snapshotB()).toEqual(before);
    });

    it("each workspace's usage counts only its own files", async () => {
      const usage = await a.member.client.get<{ usedBytes: number; fileCount: number }>('/api/v1/files/usage');
      expect(usage.body).toMatchObject({ usedBytes: 1, fileCount: 1 });
    });
  });

  describe('roles', () => {
    it('[P-CRM-7] a viewer reads and downloads but cannot upload, delete, restore or set a photo (403)', async () => {
      const p = await makePerson(a.member.client);
      const f = await uploadOk(env(), a.member.client, 'person', p.id, 'v.txt', Buffer.from('viewer may read'));
      expect((await a.viewer.client.get<TFileList>(`/api/v1/files?kind=person&record=${p.id}`)).status).toBe(200);
      expect((await rawRequest(env(), a.viewer.client, 'GET', f.contentUrl)).status).toBe(200);
      expect((await upload(env(), a.viewer.client, 'person', p.id, 'no.txt', Buffer.from('no'))).status).toBe(403);
      expect((await a.viewer.client.delete(`/api/v1/files/${f.id}`)).status).toBe(403);
      expect((await a.member.client.delete(`/api/v1/files/${f.id}`)).status).toBe(200);
      expect((await a.viewer.client.post(`/api/v1/trash/file/${f.id}/restore`)).status).toBe(403);
      const photo = await rawRequest(
        env(),
        a.viewer.client,
        'PUT',
        `/api/v1/people/${p.id}/photo`,
        multipart('p.png', await pngImage()),
      );
      expect(photo.status).toBe(403);
      expect((await a.viewer.client.delete(`/api/v1/people/${p.id}/photo`)).status).toBe(403);
    });

    it('signed out, nothing is served (401)', async () => {
      const anon = env().client();
      expect((await anon.get(`/api/v1/files/${secretFile.id}`)).status).toBe(401);
      expect((await anon.get(`/api/v1/files/${secretFile.id}/content`)).status).toBe(401);
    });
  });

  describe('visibility', () => {
    it("[P-CRM-7] a private person's files are invisible to another member on every endpoint (404); admins see them", async () => {
      for (const call of everyEndpoint(secretPerson.id, secretFile.id, secretFile.id)) {
        expect(await send(a.other.client, call), `${call.method} ${call.url}`).toBe(404);
      }
      const trash = await a.other.client.get<TTrashList>('/api/v1/trash?kind=file&limit=200');
      expect(trash.body.items.map((i) => i.id)).not.toContain(secretFile.id);
      expect((await a.member.client.get(`/api/v1/files/${secretFile.id}`)).status).toBe(200);
      expect((await a.admin.client.get(`/api/v1/files/${secretFile.id}`)).status).toBe(200);
      expect((await rawRequest(env(), a.admin.client, 'GET', secretFile.contentUrl)).status).toBe(200);
    });

    it("[P-CRM-7] a file follows its record: when the person goes to the trash, so do its files' endpoints", async () => {
      const p = await makePerson(a.member.client);
      const f = await uploadOk(env(), a.member.client, 'person', p.id, 'follow.txt', Buffer.from('f'));
      expect((await a.member.client.delete(`/api/v1/people/${p.id}`)).status).toBe(200);
      expect((await a.member.client.get(`/api/v1/files/${f.id}`)).status).toBe(404);
      expect((await upload(env(), a.member.client, 'person', p.id, 'late.txt', Buffer.from('l'))).status).toBe(404);
      expect((await a.member.client.post(`/api/v1/trash/person/${p.id}/restore`)).status).toBe(200);
      expect((await a.member.client.get(`/api/v1/files/${f.id}`)).status).toBe(200);
    });
  });
});
