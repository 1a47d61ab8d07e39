import type { TFile, TFileList, TPerson, TPersonList, TStorageUsage } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, files, workspaceStorage } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { thumbnailsJob } from './files.jobs.ts';
import {
  type CrmWorkspace,
  crmWorkspace,
  jpegWithExif,
  makeCompany,
  makePerson,
  multipart,
  pngImage,
  rawRequest,
  storedNames,
  upload,
  uploadOk,
} from './files.test-helpers.ts';

const MAX = 64 * 1024;

describeEachDatabase(
  'files: upload, download, sniffing, limits, thumbnails, photos',
  (env) => {
    let w: CrmWorkspace;
    let person: TPerson;
    beforeAll(async () => {
      w = await crmWorkspace(env(), 'Files');
      person = await makePerson(w.member.client);
    }, 60_000);
    const db = () => env().services.database.db;
    const audit = (action: string) =>
      withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, w.workspaceId), eq(auditEntries.action, action))),
      );
    const usage = async () => (await w.member.client.get<TStorageUsage>('/api/v1/files/usage')).body;

    it('[P-CRM-7] a file attached to a person comes back byte for byte, listed, described and audited', async () => {
      const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(3000, 7), Buffer.from('\n%%EOF')]);
      const before = await usage();
      const file = await uploadOk(
        env(),
        w.member.client,
        'person',
        person.id,
        'Contract (signed).pdf',
        pdf,
        'text/html',
      );
      expect(file).toMatchObject({
        recordKind: 'person',
        recordId: person.id,
        name: 'Contract (signed).pdf',
        contentType: 'application/pdf',
        size: pdf.length,
        isImage: false,
        thumbnailUrl: null,
        uploadedBy: w.member.userId,
        purpose: 'attachment',
      });
      const list = await w.viewer.client.get<TFileList>(`/api/v1/files?kind=person&record=${person.id}`);
      expect(list.status).toBe(200);
      expect(list.body.items.map((f) => f.id)).toContain(file.id);
      expect((await w.viewer.client.get<TFile>(`/api/v1/files/${file.id}`)).body).toEqual(file);
      const res = await rawRequest(env(), w.viewer.client, 'GET', `/api/v1/files/${file.id}/content`);
      expect(res.status).toBe(200);
      expect(res.body.equals(pdf)).toBe(true);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="Contract \(signed\).pdf"/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(String(res.headers['content-security-policy'])).toContain('sandbox');
      const after = await usage();
      expect(after.usedBytes - before.usedBytes).toBe(pdf.length);
      expect(after.fileCount - before.fileCount).toBe(1);
      const up = (await audit('file.uploaded')).find((e) => e.targetId === file.id);
      expect(up?.details).toMatchObject({ recordKind: 'person', recordId: person.id, size: pdf.length });
      expect(JSON.stringify(up?.details)).not.toContain('Contract');
      const down = (await audit('file.downloaded')).find((e) => e.targetId === file.id);
      expect(down?.actorId).toBe(w.viewer.userId);
    });

    it('[P-CRM-7] files attach to companies and deals too; the list pages by keyset, newest first', async () => {
      const company = await makeCompany(w.member.client);
      const made: TFile[] = [];
      for (let i = 0; i < 5; i++) {
        env().clock.advance(1000);
        made.push(
          await uploadOk(env(), w.member.client, 'company', company.id, `note-${i}.txt`, Buffer.from(`line ${i}\n`)),
        );
      }
      const ids: string[] = [];
      let after: string | null = null;
      do {
        const res: { status: number; body: TFileList } = await w.member.client.get<TFileList>(
          `/api/v1/files?kind=company&record=${company.id}&limit=2${after ? `&after=${after}` : ''}`,
        );
        expect(res.status).toBe(200);
        ids.push(...res.body.items.map((f) => f.id));
        after = res.body.nextCursor;
      } while (after);
      expect(ids).toEqual(made.map((f) => f.id).reverse());
      const deal = await w.member.client.post<{ id: string }>('/api/v1/deals', {
        pipelineId: (await w.member.client.get<{ items: { id: string }[] }>('/api/v1/pipelines')).body.items[0]?.id,
        name: 'Big deal',
        currency: 'NOK',
      });
      expect(deal.status).toBe(201);
      const onDeal = await uploadOk(env(), w.member.client, 'deal', deal.body.id, 'offer.txt', Buffer.from('offer'));
      expect(onDeal.recordKind).toBe('deal');
      const missing = await upload(env(), w.member.client, 'deal', person.id, 'x.txt', Buffer.from('x'));
      expect(missing.status).toBe(404);
    });

    it('[P-CRM-7] the type comes from the bytes: HTML or SVG named .png is never served as HTML or an image', async () => {
      const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
      const svg = Buffer.from(
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
      );
      for (const [name, content] of [
        ['cute-cat.png', html],
        ['logo.png', svg],
        ['plain.svg', svg],
      ] as const) {
        const file = await uploadOk(env(), w.member.client, 'person', person.id, name, content, 'image/png');
        expect(file.contentType, name).toBe('application/octet-stream');
        expect(file.isImage).toBe(false);
        expect(file.thumbnailUrl).toBeNull();
        const res = await rawRequest(env(), w.member.client, 'GET', file.contentUrl);
        expect(res.headers['content-type']).toBe('application/octet-stream');
        expect(String(res.headers['content-disposition'])).toMatch(/^attachment;/);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        const thumb = await rawRequest(env(), w.member.client, 'GET', `/api/v1/files/${file.id}/thumbnail`);
        expect(thumb.status).toBe(404);
      }
    });

    it('[P-CRM-7] a binary named .txt is octet-stream; real text and CSV are text, still downloads', async () => {
      const binary = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0xff, 0xfe]);
      const bin = await uploadOk(env(), w.member.client, 'person', person.id, 'readme.txt', binary, 'text/plain');
      expect(bin.contentType).toBe('application/octet-stream');
      const csv = await uploadOk(
        env(),
        w.member.client,
        'person',
        person.id,
        'people.csv',
        Buffer.from('name;city\nÅse;Tromsø\n'),
      );
      expect(csv.contentType).toBe('text/csv');
      const res = await rawRequest(env(), w.member.client, 'GET', csv.contentUrl);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(String(res.headers['content-disposition'])).toMatch(/^attachment;.*filename\*=UTF-8''people\.csv/);
      const png = await uploadOk(env(), w.member.client, 'person', person.id, 'photo.bin', await pngImage());
      expect(png).toMatchObject({ contentType: 'image/png', isImage: true, thumbnailState: 'pending' });
      const img = await rawRequest(env(), w.member.client, 'GET', png.contentUrl);
      expect(img.headers['content-type']).toBe('image/png');
      expect(String(img.headers['content-disposition'])).toMatch(/^inline;/);
    });

    it('[P-CRM-7] a file over the size limit is refused with 413 and leaves no file, half file or row', async () => {
      const before = await usage();
      const storedBefore = storedNames(env(), w.workspaceId);
      const rowsBefore = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx.select({ id: files.fileId }).from(files).where(eq(files.workspaceId, w.workspaceId)),
      );
      const res = await upload(env(), w.member.client, 'person', person.id, 'huge.bin', Buffer.alloc(MAX + 1, 1));
      expect(res.status).toBe(413);
      const body = res.json() as { error: { code: string; message: string; fields: Record<string, string> } };
      expect(body.error.code).toBe('file_too_large');
      expect(body.error.message).toContain('64.0 KiB');
      expect(body.error.fields.file).toBeDefined();
      expect(storedNames(env(), w.workspaceId)).toEqual(storedBefore);
      expect(storedNames(env(), w.workspaceId).some((n) => n.startsWith('.tmp-'))).toBe(false);
      const rowsAfter = await withTenant(db(), { workspaceId: w.workspaceId }, (tx) =>
        tx.select({ id: files.fileId }).from(files).where(eq(files.workspaceId, w.workspaceId)),
      );
      expect(rowsAfter.length).toBe(rowsBefore.length);
      expect(await usage()).toEqual(before);
      // Exactly the limit is fine; an empty file and a request without a file part are 422.
      const ok = await upload(env(), w.member.client, 'person', person.id, 'edge.bin', Buffer.alloc(MAX, 1));
      expect(ok.status).toBe(201);
      const empty = await upload(env(), w.member.client, 'person', person.id, 'empty.txt', Buffer.alloc(0));
      expect(empty.status).toBe(422);
      const noFile = await rawRequest(
        env(),
        w.member.client,
        'POST',
        `/api/v1/files?kind=person&record=${person.id}`,
        multipart('a.txt', Buffer.from('a'), 'text/plain', 'other'),
      );
      expect(noFile.status).toBe(422);
      const json = await w.member.client.post(`/api/v1/files?kind=person&record=${person.id}`, { a: 1 });
      expect(json.status).toBe(415);
    });

    it('[P-CRM-7] the quota holds, also against two concurrent uploads near the limit', async () => {
      const q = await crmWorkspace(env(), 'Quota');
      const p = await makePerson(q.member.client);
      await withTenant(db(), { workspaceId: q.workspaceId }, async (tx) => {
        await tx.insert(workspaceStorage).values({ workspaceId: q.workspaceId, quotaBytes: 2500 });
      });
      await uploadOk(env(), q.member.client, 'person', p.id, 'a.bin', Buffer.alloc(1000, 2));
      const usage1 = (await q.member.client.get<TStorageUsage>('/api/v1/files/usage')).body;
      expect(usage1).toMatchObject({ usedBytes: 1000, quotaBytes: 2500, fileCount: 1 });
      // 1500 left: two uploads of 1000 at once, only one can fit.
      const both = await Promise.all([
        upload(env(), q.member.client, 'person', p.id, 'b.bin', Buffer.alloc(1000, 3)),
        upload(env(), q.member.client, 'person', p.id, 'c.bin', Buffer.alloc(1000, 4)),
      ]);
      expect(both.map((r) => r.status).sort()).toEqual([201, 413]);
      const refused = both.find((r) => r.status === 413);
      if (!refused) throw new Error('no refused upload');
      expect((refused.json() as { error: { code: string } }).error.code).toBe('quota_exceeded');
      const usage2 = (await q.member.client.get<TStorageUsage>('/api/v1/files/usage')).body;
      expect(usage2).toMatchObject({ usedBytes: 2000, fileCount: 2 });
      // Only the stored files remain on disk (the refused one's bytes were removed).
      expect(storedNames(env(), q.workspaceId)).toHaveLength(2);
      const full = await upload(env(), q.member.client, 'person', p.id, 'd.bin', Buffer.alloc(600, 5));
      expect(full.status).toBe(413);
      expect(storedNames(env(), q.workspaceId)).toHaveLength(2);
    });

    it('[P-CRM-7] thumbnails: the job makes a 256×256 WebP without EXIF, once; the original keeps its bytes', async () => {
      const jpeg = await jpegWithExif();
      expect((await sharp(jpeg).metadata()).exif).toBeDefined();
      const file = await uploadOk(env(), w.member.client, 'person', person.id, 'IMG_0001.JPG', jpeg);
      expect(file).toMatchObject({ contentType: 'image/jpeg', thumbnailState: 'pending' });
      // While pending, the thumbnail URL serves the original image.
      const early = await rawRequest(env(), w.member.client, 'GET', `/api/v1/files/${file.id}/thumbnail`);
      expect(early.status).toBe(200);
      expect(early.headers['content-type']).toBe('image/jpeg');
      const first = await runJob(env().services, thumbnailsJob, {});
      expect(first.done).toBeGreaterThanOrEqual(1);
      const meta = await w.member.client.get<TFile>(`/api/v1/files/${file.id}`);
      expect(meta.body.thumbnailState).toBe('done');
      const thumb = await rawRequest(env(), w.member.client, 'GET', `/api/v1/files/${file.id}/thumbnail`);
      expect(thumb.status).toBe(200);
      expect(thumb.headers['content-type']).toBe('image/webp');
      const info = await sharp(thumb.body).metadata();
      expect(info).toMatchObject({ format: 'webp', width: 256, height: 256 });
      expect(info.exif).toBeUndefined();
      expect(thumb.body.includes(Buffer.from('Secret Camera'))).toBe(false);
      // Idempotent: a second run (all or this one file) changes nothing.
      const again = await runJob(env().services, thumbnailsJob, {});
      expect(again.done).toBe(0);
      const one = await runJob(env().services, thumbnailsJob, { workspaceId: w.workspaceId, fileId: file.id });
      expect(one).toEqual({ done: 0, failed: 0 });
      const thumb2 = await rawRequest(env(), w.member.client, 'GET', `/api/v1/files/${file.id}/thumbnail`);
      expect(thumb2.body.equals(thumb.body)).toBe(true);
      expect(storedNames(env(), w.workspaceId).filter((n) => n.startsWith(file.id))).toEqual([
        file.id,
        `${file.id}.thumb`,
      ]);
      const original = await rawRequest(env(), w.member.client, 'GET', file.contentUrl);
      expect(original.body.equals(jpeg)).toBe(true);
      // A file that claims to be an image but does not decode gets no thumbnail, and no retry.
      const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 9)]);
      const bad = await uploadOk(env(), w.member.client, 'person', person.id, 'broken.jpg', broken);
      const r = await runJob(env().services, thumbnailsJob, { workspaceId: w.workspaceId, fileId: bad.id });
      expect(r).toEqual({ done: 0, failed: 1 });
      expect((await w.member.client.get<TFile>(`/api/v1/files/${bad.id}`)).body).toMatchObject({
        thumbnailState: 'failed',
        thumbnailUrl: null,
      });
    });

    it("[P-CRM-1] a person's photo: an image only, shown as a square thumbnail in the list and the detail", async () => {
      const p = await makePerson(w.member.client);
      expect(p.photoUrl).toBeNull();
      const notImage = await rawRequest(
        env(),
        w.member.client,
        'PUT',
        `/api/v1/people/${p.id}/photo`,
        multipart('me.png', Buffer.from('%PDF-1.4 not an image')),
      );
      expect(notImage.status).toBe(422);
      expect((notImage.json() as { error: { fields: Record<string, string> } }).error.fields.file).toMatch(/image/);
      const viewer = await rawRequest(
        env(),
        w.viewer.client,
        'PUT',
        `/api/v1/people/${p.id}/photo`,
        multipart('me.png', await pngImage()),
      );
      expect(viewer.status).toBe(403);
      const set = await rawRequest(
        env(),
        w.member.client,
        'PUT',
        `/api/v1/people/${p.id}/photo`,
        multipart('me.png', await pngImage(300, 200)),
      );
      expect(set.status, set.body.toString()).toBe(200);
      const photo = set.json() as TFile;
      expect(photo).toMatchObject({ purpose: 'photo', recordId: p.id, contentType: 'image/png' });
      const detail = await w.viewer.client.get<TPerson>(`/api/v1/people/${p.id}`);
      expect(detail.body.photoUrl).toBe(`/api/v1/files/${photo.id}/thumbnail`);
      const list = await w.viewer.client.get<TPersonList>('/api/v1/people?limit=200');
      expect(list.body.items.find((x) => x.id === p.id)?.photoUrl).toBe(detail.body.photoUrl);
      await runJob(env().services, thumbnailsJob, {});
      const thumb = await rawRequest(env(), w.viewer.client, 'GET', String(detail.body.photoUrl));
      expect(await sharp(thumb.body).metadata()).toMatchObject({ width: 256, height: 256 });
      // The photo is not one of the person's attachments.
      const files1 = await w.member.client.get<TFileList>(`/api/v1/files?kind=person&record=${p.id}`);
      expect(files1.body.items.map((f) => f.id)).not.toContain(photo.id);
      // A new photo replaces it (the old one goes to the trash); removing it clears it.
      const next = await rawRequest(
        env(),
        w.member.client,
        'PUT',
        `/api/v1/people/${p.id}/photo`,
        multipart('me2.png', await pngImage(50, 50)),
      );
      const photo2 = next.json() as TFile;
      expect((await w.member.client.get(`/api/v1/files/${photo.id}`)).status).toBe(404);
      expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.photoUrl).toContain(photo2.id);
      expect((await w.member.client.delete(`/api/v1/people/${p.id}/photo`)).status).toBe(204);
      expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.photoUrl).toBeNull();
      expect((await audit('person.photo_changed')).map((e) => e.targetId)).toEqual(
        expect.arrayContaining([photo.id, photo2.id]),
      );
      expect((await audit('person.photo_removed')).map((e) => e.targetId)).toContain(photo2.id);
      // Restored from the trash, the latest photo becomes the photo again.
      const back = await w.member.client.post<TFile>(`/api/v1/trash/file/${photo2.id}/restore`);
      expect(back.status).toBe(200);
      expect((await w.member.client.get<TPerson>(`/api/v1/people/${p.id}`)).body.photoUrl).toContain(photo2.id);
    });
  },
  { env: { FILES_MAX_BYTES: String(MAX) } },
);

describe('file names', () => {
  it('keeps no path and no control characters', async () => {
    const { cleanFileName } = await import('./files.service.ts');
    expect(cleanFileName('C:\\Users\\x\\..\\secret.pdf')).toBe('secret.pdf');
    expect(cleanFileName('../../etc/passwd')).toBe('passwd');
    expect(cleanFileName('a\u0000b\nc.txt')).toBe('abc.txt');
    expect(cleanFileName('   ')).toBe('file');
  });
});
