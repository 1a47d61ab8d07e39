import type { TFulfilPrivacyRequestResult, TPrivacyRequestDetail } from '@tillit/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import { auditEntries, privacyRequestPackages } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { rawRequest, uploadOk } from '../../modules/files/files.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makePerson } from '../../modules/people/people.test-helpers.ts';
import type { FileStorage } from '../../storage/storage.ts';
import { declaredTables } from '../data-map/data-map.ts';
import { extractSources, readSourceKeys, readSourceRows } from './requests.extract.ts';
import { privacyPackageJob } from './requests.jobs.ts';
import { buildPackage, createPackage, packageStorage } from './requests.package.ts';
import { readStoredZip } from './requests.zip.ts';

const BASE = '/api/v1/privacy/requests';

async function waitForPackage(env: TestEnv, client: CrmWorkspace['admin']['client'], requestId: string) {
  for (let i = 0; i < 200; i++) {
    await runJob(env.services, privacyPackageJob, {});
    const res = await client.get<TPrivacyRequestDetail>(`${BASE}/${requestId}`);
    const state = res.body.packages[0]?.state;
    // The package turns ready and the request fulfilled in one transaction, and the detail is
    // read in one snapshot: a ready package never shows on an in_progress request.
    if (state === 'ready') expect(res.body.status).toBe('fulfilled');
    if (state === 'failed' || state === 'ready') return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('package not ready in time');
}

/** The path of a download link, to inject it into the app as the person's browser would ask. */
const pathOf = (url: string) => new URL(url).pathname;

describe('the sources of an access package (data map)', () => {
  it('[P-DSR-1] cover every table whose subject is a person, the tables they link to, the audit and the access log', () => {
    const names = extractSources().map((s) => s.name);
    for (const t of declaredTables()) {
      if (t.tenancy === 'tenant' && t.subject?.kind === 'person') expect(names).toContain(t.name);
    }
    for (const linked of ['notes', 'tasks', 'interactions', 'privacy_requests', 'audit_entries', 'access_log']) {
      expect(names).toContain(linked);
    }
    expect(names[0]).toBe('people');
    // Never the IP and browser of the members who acted.
    const audit = extractSources().find((s) => s.name === 'audit_entries');
    expect(audit?.columns.map((c) => c.name)).not.toContain('personal');
  });

  it('[P-DSR-1] every person table is read through an index that leads with workspace_id and the person column', () => {
    const missing: string[] = [];
    for (const t of declaredTables()) {
      if (t.tenancy !== 'tenant' || t.subject?.kind !== 'person') continue;
      const config = getTableConfig(t.table as PgTable);
      const leads = [
        ...config.indexes.map((i) => i.config.columns.map((c) => ('name' in c ? c.name : ''))),
        ...config.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
      ].some((cols) => cols[0] === 'workspace_id' && cols[1] === t.subject?.column);
      if (!leads) missing.push(`${t.name}.${t.subject.column}`);
    }
    expect(missing).toEqual([]);
  });
});

describeEachDatabase('access and portability packages (P-DSR-1, P-DSR-4)', (env) => {
  let w: CrmWorkspace;
  let elsewhere: CrmWorkspace;
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Packages');
    elsewhere = await crmWorkspace(env(), 'Elsewhere');
  });

  async function personWithData(name: string) {
    const person = await makePerson(w.owner.client, {
      firstName: name,
      lastName: 'Subject',
      emails: [{ value: `${name.toLowerCase()}@example.org`, type: 'home' }],
    });
    const note = await w.owner.client.post('/api/v1/notes', {
      bodyHtml: `<p>Note about ${name}: prefers calls after 4pm</p>`,
      personIds: [person.id],
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    const task = await w.owner.client.post('/api/v1/tasks', {
      title: `Send ${name} the contract`,
      personIds: [person.id],
    });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    const consent = await w.owner.client.post(`/api/v1/people/${person.id}/consents`, {
      purposeKey: 'marketing.email',
      state: 'given',
      method: 'web_form',
      evidence: { form: `newsletter signup of ${name}` },
    });
    expect(consent.status, JSON.stringify(consent.body)).toBe(201);
    const file = await uploadOk(
      env(),
      w.owner.client,
      'person',
      person.id,
      `${name}-cv.txt`,
      Buffer.from(`Curriculum vitae of ${name}\n`),
    );
    return { person, file };
  }

  async function fulfil(requestId: string) {
    const res = await w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${requestId}/fulfil`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.downloadUrl).toMatch(/\/api\/public\/privacy\/[0-9a-f-]{36}\/packages\/[A-Za-z0-9_-]{43}$/);
    return res.body.downloadUrl as string;
  }

  it("[P-DSR-1] the package holds the person's record, notes, tasks, files and audit, and nothing of another person", async () => {
    const { person, file } = await personWithData('Grace');
    await personWithData('Linus');
    // A member opens the person: the package tells who read their data.
    expect((await w.member.client.get(`/api/v1/people/${person.id}`)).status).toBe(200);
    const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, {
      personId: person.id,
      kind: 'access',
      requesterEmail: 'grace@example.org',
    });
    const url = await fulfil(created.body.id);
    // The link is mailed to the person (it works without an account).
    const mail = env().mail.sent.find((m) => m.kind === 'privacy_request_package_link' && m.to === 'grace@example.org');
    expect(mail?.text).toContain(url);
    const done = await waitForPackage(env(), w.admin.client, created.body.id);
    expect(done.packages[0]?.state).toBe('ready');
    expect(done.status).toBe('fulfilled');
    expect(done.steps.map((s) => s.action)).toEqual(['received', 'package_requested', 'package_ready', 'fulfilled']);

    const res = await env().app.inject({ method: 'GET', url: pathOf(url) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['cache-control']).toBe('no-store');
    const zip = readStoredZip(res.rawPayload);
    const names = [...zip.keys()];
    expect(names).toEqual(
      expect.arrayContaining(['extract.json', 'report.html', 'contact.vcf', 'csv/people.csv', 'csv/notes.csv']),
    );
    const all = [...zip.values()].map((b) => b.toString('utf8')).join('\n');
    expect(all).toContain('prefers calls after 4pm');
    expect(all).toContain('Send Grace the contract');
    expect(all).not.toContain('Linus');

    const json = JSON.parse(zip.get('extract.json')?.toString('utf8') ?? '{}') as {
      format: string;
      personIds: string[];
      sources: {
        name: string;
        rows: Record<string, unknown>[];
        columns: { name: string; category: string | null }[];
      }[];
      files: { fileId: string; path: string }[];
    };
    expect(json.format).toBe('tillit.access-package');
    expect(json.personIds).toEqual([person.id]);
    const rows = (name: string) => json.sources.find((s) => s.name === name)?.rows ?? [];
    expect(rows('people').map((r) => r.first_name)).toEqual(['Grace']);
    expect(rows('person_emails').map((r) => r.email)).toEqual(['grace@example.org']);
    expect(rows('notes').map((r) => r.body_text)).toEqual(['Note about Grace: prefers calls after 4pm']);
    expect(rows('tasks').map((r) => r.title)).toEqual(['Send Grace the contract']);
    expect(rows('files').map((r) => r.file_id)).toEqual([file.id]);
    expect(rows('privacy_requests').map((r) => r.request_id)).toEqual([created.body.id]);
    expect(rows('consent_records').map((r) => [r.purpose_key, r.state])).toEqual([['marketing.email', 'given']]);
    expect(rows('audit_entries').map((r) => r.action)).toContain('person.created');
    expect(rows('access_log').length).toBeGreaterThan(0);
    // The file's bytes.
    const filePart = json.files.find((f) => f.fileId === file.id)?.path ?? '';
    expect(zip.get(filePart)?.toString('utf8')).toBe('Curriculum vitae of Grace\n');
    expect(zip.get('contact.vcf')?.toString('utf8')).toContain('FN:Grace Subject');
    expect(zip.get('report.html')?.toString('utf8')).toContain('Note about Grace: prefers calls after 4pm');
  });

  it('[P-DSR-1] the link tables are read whole with their keys, each row as a read by key gives it', async () => {
    const { person } = await personWithData('Ada');
    // A time with a fraction of a second on a link row (stored to the millisecond).
    const note = await w.owner.client.post<{ id: string }>('/api/v1/notes', {
      bodyHtml: '<p>Second note</p>',
      personIds: [person.id],
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx.execute(
        sql`update note_people set occurred_at = '2026-03-04 05:06:07.891999+00' where workspace_id = ${w.workspaceId} and note_id = ${note.body.id}`,
      ),
    );
    const sources = extractSources();
    const whole = sources.filter((s) => s.wholeRows);
    expect(whole.map((s) => s.name)).toEqual(
      expect.arrayContaining(['note_people', 'interaction_people', 'task_people']),
    );
    // A linked table is never read whole (its rows are the wide ones).
    expect(whole.filter((s) => s.keysFrom)).toEqual([]);
    await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, async (tx) => {
      const keys = await readSourceKeys(tx, sources, w.workspaceId, [person.id]);
      for (const [i, source] of sources.entries()) {
        const k = keys[i];
        if (!source.wholeRows) {
          expect(k?.rows, source.name).toBeUndefined();
          continue;
        }
        const byKey = await readSourceRows(tx, source, w.workspaceId, k as NonNullable<typeof k>, 0, k?.count ?? 0);
        expect(k?.rows, source.name).toEqual(byKey);
        // Key order of the object too: the package writes each row as JSON.
        expect(Object.keys(k?.rows?.[0] ?? {}), source.name).toEqual(Object.keys(byKey[0] ?? {}));
      }
      const notes = keys[sources.findIndex((s) => s.name === 'note_people')]?.rows ?? [];
      expect(notes.map((r) => r.occurred_at)).toContain('2026-03-04 05:06:07.892+00');
      expect(notes.length).toBe(2);
    });
  });

  it('[P-DSR-1] every download by the link is audited and counted; the link expires after 7 days', async () => {
    const { person } = await personWithData('Hedy');
    const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId: person.id, kind: 'access' });
    const url = await fulfil(created.body.id);
    await waitForPackage(env(), w.admin.client, created.body.id);
    expect((await env().app.inject({ method: 'GET', url: pathOf(url) })).statusCode).toBe(200);
    const part = await env().app.inject({ method: 'GET', url: `${pathOf(url)}?part=report.html` });
    expect(part.statusCode).toBe(200);
    expect(part.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(part.headers['content-security-policy'])).toContain('sandbox');
    const detail = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${created.body.id}`);
    expect(detail.body.packages[0]?.downloads).toBe(2);
    const audited = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      tx
        .select({ action: auditEntries.action, actorKind: auditEntries.actorKind })
        .from(auditEntries)
        .where(
          and(
            eq(auditEntries.workspaceId, w.workspaceId),
            eq(auditEntries.targetId, created.body.id),
            eq(auditEntries.action, 'privacy_request.package_downloaded'),
          ),
        ),
    );
    expect(audited).toEqual([
      { action: 'privacy_request.package_downloaded', actorKind: 'anonymous' },
      { action: 'privacy_request.package_downloaded', actorKind: 'anonymous' },
    ]);
    // A forged token, and another workspace's path, find nothing.
    const token = url.split('/').pop() ?? '';
    const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await env().app.inject({ method: 'GET', url: pathOf(url).replace(token, forged) })).statusCode).toBe(404);
    expect(
      (await env().app.inject({ method: 'GET', url: pathOf(url).replace(w.workspaceId, elsewhere.workspaceId) }))
        .statusCode,
    ).toBe(404);
    env().clock.advance(7 * DAY_MS + 1000);
    expect((await env().app.inject({ method: 'GET', url: pathOf(url) })).statusCode).toBe(410);
    // The sweep deletes the bytes of expired packages.
    await runJob(env().services, privacyPackageJob, {});
    const purged = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${created.body.id}`);
    expect(purged.body.packages[0]).toMatchObject({ expired: true, parts: [] });
  });

  it('[P-DSR-1] the detail is one snapshot: readers racing the build never see a ready package on an in_progress request', async () => {
    const person = await makePerson(w.owner.client, { firstName: 'Snap', lastName: 'Shot' });
    const mixed: string[] = [];
    let reads = 0;
    // PGlite runs one transaction at a time (the race cannot happen there, and many readers
    // only starve the build); PostgreSQL runs them side by side.
    const pg = env().kind === 'postgres';
    const started = Date.now();
    for (let round = 0; round < (pg ? 4 : 1); round++) {
      const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId: person.id, kind: 'access' });
      const id = created.body.id;
      let finished = false;
      // Several readers poll the detail while the build (started by the fulfilment, in this
      // process) commits the package as ready and the request as fulfilled.
      const reader = async () => {
        while (!finished) {
          const res = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${id}`);
          expect(res.status).toBe(200);
          reads += 1;
          const state = res.body.packages[0]?.state;
          if (state === 'ready' && res.body.status !== 'fulfilled') mixed.push(`${res.body.status}/${state}`);
          if (res.body.status === 'fulfilled' || state === 'failed') finished = true;
          // Yield to the build between reads (on PGlite, one connection serves everyone).
          await new Promise((r) => setTimeout(r, pg ? 2 : 20));
        }
      };
      const fulfilled = w.admin.client.post<TFulfilPrivacyRequestResult>(`${BASE}/${id}/fulfil`, {});
      await Promise.all([fulfilled, ...Array.from({ length: pg ? 6 : 2 }, reader)]);
      expect((await fulfilled).status).toBe(200);
      const end = await w.admin.client.get<TPrivacyRequestDetail>(`${BASE}/${id}`);
      expect([end.body.status, end.body.packages[0]?.state]).toEqual(['fulfilled', 'ready']);
    }
    expect(reads).toBeGreaterThan(4);
    expect(mixed).toEqual([]);
  }, 120_000);

  it('[P-DSR-1] a build stopped part-way resumes after the last recorded source and gives the same package', async () => {
    const { person } = await personWithData('Ada');
    await w.owner.client.post('/api/v1/notes', {
      bodyHtml: '<p>A second note, "quoted", with a comma</p>',
      personIds: [person.id],
    });
    // The packages belong to a request about someone else, so that finishing them changes
    // nothing in Ada's data between the builds.
    const other = await makePerson(w.owner.client, { firstName: 'Other' });
    const request = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId: other.id, kind: 'access' });
    const db = env().services.database.db;
    const [whole, stopped] = await withTenant(db, { workspaceId: w.workspaceId }, async (tx) => [
      await createPackage(tx, w.workspaceId, request.body.id, [person.id], env().clock.now()),
      await createPackage(tx, w.workspaceId, request.body.id, [person.id], env().clock.now()),
    ]);
    if (!whole || !stopped) throw new Error('no packages');
    expect(await buildPackage(env().services, w.workspaceId, whole.packageId)).toBe('ready');

    // The other build reads a row a page (every source paged by key) and records progress
    // after every source; the storage fails when the CSV of the notes is stored, so the resumed
    // run reads the notes' keys without their link table's (done before the stop).
    const at = extractSources().findIndex((s) => s.name === 'notes');
    expect(extractSources()[at - 1]?.name).toBe('note_people');
    const storage = packageStorage(env().services);
    const puts: string[] = [];
    const failing = (failAt: string | null): FileStorage => ({
      ...storage,
      put: async (key, body) => {
        puts.push(key);
        if (failAt && key.endsWith(failAt)) {
          body.resume();
          throw new Error('disk full');
        }
        return storage.put(key, body);
      },
    });
    await expect(
      buildPackage(env().services, w.workspaceId, stopped.packageId, {
        storage: failing(`.p${at}`),
        checkpointMs: 0,
        page: 1,
      }),
    ).rejects.toThrow('disk full');
    const row = async () => {
      const [r] = await withTenant(db, { workspaceId: w.workspaceId }, (tx) =>
        tx
          .select()
          .from(privacyRequestPackages)
          .where(
            and(
              eq(privacyRequestPackages.workspaceId, w.workspaceId),
              eq(privacyRequestPackages.packageId, stopped.packageId),
            ),
          ),
      );
      if (!r) throw new Error('no package row');
      return r;
    };
    const halfway = await row();
    expect(halfway.state).toBe('running');
    expect(halfway.error).toBe('disk full');
    expect((halfway.parts as { name: string }[]).map((p) => p.name)).toEqual(
      extractSources()
        .slice(0, at)
        .map((s) => `csv/${s.name}.csv`),
    );
    // Another run waits for the lease, then resumes at the notes.
    expect(await buildPackage(env().services, w.workspaceId, stopped.packageId)).toBe('busy');
    env().clock.advance(5 * 60 * 1000 + 1000);
    puts.length = 0;
    expect(
      await buildPackage(env().services, w.workspaceId, stopped.packageId, { storage: failing(null), page: 1 }),
    ).toBe('ready');
    // Nothing before the notes is written again.
    const written = puts.flatMap((k) => {
      const m = /\.p([0-9]+)$/.exec(k);
      return m ? [Number(m[1])] : [];
    });
    expect(Math.min(...written)).toBe(at);
    // extract.json and report.html are made of the segments of both runs.
    const parts = (await row()).parts as { name: string; segments?: string[] }[];
    expect(parts.find((p) => p.name === 'extract.json')?.segments?.length).toBe(at + 1);

    const download = async (token: string) =>
      readStoredZip(
        (await env().app.inject({ method: 'GET', url: `/api/public/privacy/${w.workspaceId}/packages/${token}` }))
          .rawPayload,
      );
    const a = await download(whole.token);
    const b = await download(stopped.token);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, bytes] of a) expect(b.get(name)?.toString('utf8'), name).toBe(bytes.toString('utf8'));
    const json = JSON.parse(b.get('extract.json')?.toString('utf8') ?? '{}') as {
      sources: { name: string; rows: Record<string, unknown>[] }[];
    };
    const notes = json.sources.find((s) => s.name === 'notes')?.rows.map((r) => r.body_text);
    expect(notes).toHaveLength(2);
    expect(b.get('csv/notes.csv')?.toString('utf8')).toContain('""quoted""');
    // Each part downloads alone too, segments and all.
    const part = await env().app.inject({
      method: 'GET',
      url: `/api/public/privacy/${w.workspaceId}/packages/${stopped.token}?part=extract.json`,
    });
    expect(part.body).toBe(b.get('extract.json')?.toString('utf8'));
  });

  it('a package still being prepared answers 409 to its link', async () => {
    const person = await makePerson(w.owner.client);
    const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId: person.id, kind: 'access' });
    const pkg = await withTenant(env().services.database.db, { workspaceId: w.workspaceId }, (tx) =>
      createPackage(tx, w.workspaceId, created.body.id, [person.id], env().clock.now()),
    );
    const res = await env().app.inject({
      method: 'GET',
      url: `/api/public/privacy/${w.workspaceId}/packages/${pkg.token}`,
    });
    expect(res.statusCode).toBe(409);
    expect(JSON.parse(res.body).error.code).toBe('package_not_ready');
  });

  it('[P-DSR-4] portability: structured JSON with the data category of every column, and one CSV per table', async () => {
    const { person } = await personWithData('Margaret');
    const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, {
      personId: person.id,
      kind: 'portability',
    });
    const url = await fulfil(created.body.id);
    await waitForPackage(env(), w.admin.client, created.body.id);
    const zip = readStoredZip((await env().app.inject({ method: 'GET', url: pathOf(url) })).rawPayload);
    const json = JSON.parse(zip.get('extract.json')?.toString('utf8') ?? '{}') as {
      version: number;
      sources: { name: string; columns: { name: string; personal: boolean; category: string | null }[] }[];
    };
    expect(json.version).toBe(1);
    const people = json.sources.find((s) => s.name === 'people');
    expect(people?.columns.find((c) => c.name === 'first_name')).toMatchObject({
      personal: true,
      category: 'user.name',
    });
    for (const s of json.sources) {
      const csv = zip.get(`csv/${s.name}.csv`)?.toString('utf8') ?? '';
      expect(csv.split('\r\n')[0]).toBe(s.columns.map((c) => c.name).join(','));
    }
    const peopleCsv = zip.get('csv/people.csv')?.toString('utf8').split('\r\n') ?? [];
    expect(peopleCsv).toHaveLength(3); // header, Margaret, trailing empty
    expect(peopleCsv[1]).toContain('Margaret');
  });

  it('isolation: staff download is for admins of the workspace, recorded as an export', async () => {
    const { person } = await personWithData('Barbara');
    const created = await w.admin.client.post<TPrivacyRequestDetail>(BASE, { personId: person.id, kind: 'access' });
    await fulfil(created.body.id);
    const done = await waitForPackage(env(), w.admin.client, created.body.id);
    const packageId = done.packages[0]?.id ?? '';
    const path = `${BASE}/${created.body.id}/packages/${packageId}/download`;
    expect((await rawRequest(env(), w.member.client, 'GET', path)).status).toBe(403);
    expect((await rawRequest(env(), elsewhere.owner.client, 'GET', path)).status).toBe(404);
    const ok = await rawRequest(env(), w.admin.client, 'GET', `${path}?part=contact.vcf`);
    expect(ok.status).toBe(200);
    expect(ok.body.toString('utf8')).toContain('FN:Barbara Subject');
    const accesses = await w.admin.client.get<{ items: { via: string; action: string }[] }>(
      `/api/v1/people/${person.id}/accesses`,
    );
    expect(accesses.body.items[0]).toMatchObject({ via: 'privacy_requests.package', action: 'export' });
  });
});
