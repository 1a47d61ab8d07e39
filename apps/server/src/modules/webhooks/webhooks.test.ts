import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TCreatedWebhook, TPerson, TWebhook, TWebhookDelivery, TWebhookDeliveryList } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { auditEntries, webhookSubscriptions } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { runJob } from '../../jobs/jobs.registry.ts';
import { uploadOk } from '../files/files.test-helpers.ts';
import { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';
import { deliverWebhooksJob } from './webhooks.jobs.ts';
import { AUTO_DISABLE_AFTER, MAX_ATTEMPTS, RETRY_DELAYS_MS } from './webhooks.service.ts';
import { isPrivateAddress } from './webhooks.ssrf.ts';

type Received = { headers: IncomingMessage['headers']; body: string };

/** A receiver on 127.0.0.1 that answers with `status()` and keeps what it got. */
async function startReceiver() {
  const received: Received[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 300 ? 'x'.repeat(5000) : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    setStatus: (s: number) => {
      status = s;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function verify(secret: string, r: Received): boolean {
  const header = String(r.headers['tillit-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${r.body}`).digest('hex');
  return expected === m[2];
}

describeEachDatabase(
  'webhooks',
  (env) => {
    let a: CrmWorkspace;
    let b: CrmWorkspace;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const run = () => runJob(env().services, deliverWebhooksJob, {});

    beforeAll(async () => {
      a = await crmWorkspace(env(), 'Alpha');
      b = await crmWorkspace(env(), 'Bravo');
      receiver = await startReceiver();
    }, 300_000);
    afterAll(async () => {
      await receiver.close();
    });

    const deliveries = async (id: string) =>
      (await a.admin.client.get<TWebhookDeliveryList>(`/api/v1/webhooks/${id}/deliveries`)).body.items;

    it('[P-SEC-3] a person created, updated and deleted reaches the subscriber, signed; the secret is stored encrypted', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['person.created', 'person.updated', 'person.deleted'],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const { secret, id } = created.body;
      expect(secret).toMatch(/^whsec_/);
      const [row] = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.subscriptionId, id)),
      );
      expect(row?.secretEnc.startsWith('enc1:')).toBe(true);
      expect(row?.secretEnc).not.toContain(secret.slice(6));

      const person = await makePerson(a.member.client, { firstName: 'Hook', lastName: 'Target' });
      await a.member.client.patch(`/api/v1/people/${person.id}`, { title: 'CTO' });
      await makeCompany(a.member.client); // not subscribed
      await a.member.client.delete(`/api/v1/people/${person.id}`);
      receiver.received.length = 0;
      const result = await run();
      expect(result.sent).toBe(3);
      const bodies = receiver.received.map(
        (r) =>
          JSON.parse(r.body) as { id: string; type: string; workspaceId: string; occurredAt: string; data: TPerson },
      );
      expect(bodies.map((x) => x.type)).toEqual(['person.created', 'person.updated', 'person.deleted']);
      expect(bodies[0]?.data.id).toBe(person.id);
      expect(bodies[0]?.data.firstName).toBe('Hook');
      expect(bodies[1]?.data.title).toBe('CTO');
      expect(bodies.every((x) => x.workspaceId === a.workspaceId)).toBe(true);
      for (const r of receiver.received) {
        expect(verify(secret, r)).toBe(true);
        expect(verify('whsec_wrong', r)).toBe(false);
      }
      // The log shows each delivery once, succeeded.
      const log = await deliveries(id);
      expect(log.length).toBe(3);
      expect(log.every((d) => d.status === 'succeeded' && d.responseStatus === 200 && d.attempts === 1)).toBe(true);

      // Idempotent: running the job again sends nothing more.
      receiver.received.length = 0;
      expect((await run()).sent).toBe(0);
      expect(receiver.received.length).toBe(0);
      expect((await a.admin.client.delete(`/api/v1/webhooks/${id}`)).status).toBe(200);
    });

    it('[P-DSR-3] an erasure sends person.erased after it commits: the id, the time and the request, no personal data', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['person.created', 'person.erased'],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const { secret, id } = created.body;
      const person = await makePerson(a.member.client, {
        firstName: 'Erasable',
        lastName: 'Subscriber-Copy',
        emails: [{ value: 'erasable.copy@example.com', type: 'work' }],
        phones: [{ value: '+4791234567', type: 'mobile' }],
      });
      const erased = await a.admin.client.post<{ erasedAt: string }>(`/api/v1/people/${person.id}/erase`, {
        reason: 'asked to be forgotten',
        confirm: 'ERASE',
      });
      expect(erased.status, JSON.stringify(erased.body)).toBe(200);
      receiver.received.length = 0;
      expect((await run()).sent).toBe(1);
      // The person.created event still waiting held the person's data: the erasure took it
      // with the rest, so only the erasure goes out.
      expect(receiver.received).toHaveLength(1);
      const r = receiver.received[0] as Received;
      expect(verify(secret, r)).toBe(true);
      expect(r.headers['tillit-event-type']).toBe('person.erased');
      const body = JSON.parse(r.body) as { type: string; workspaceId: string; data: Record<string, unknown> };
      expect(body.type).toBe('person.erased');
      expect(body.workspaceId).toBe(a.workspaceId);
      expect(body.data).toEqual({ id: person.id, erasedAt: erased.body.erasedAt, requestId: null });
      for (const s of ['Erasable', 'Subscriber-Copy', 'erasable.copy', 'example.com', '91234567', '4791234567']) {
        expect(r.body).not.toContain(s);
      }
      const log = await deliveries(id);
      expect(log.map((d) => [d.eventType, d.status])).toEqual([['person.erased', 'succeeded']]);

      // Asking again answers the same certificate and sends nothing more.
      const missing = await a.admin.client.post(`/api/v1/people/${person.id}/erase`, {
        reason: 'again',
        confirm: 'ERASE',
      });
      expect(missing.status).toBe(200);
      receiver.received.length = 0;
      expect((await run()).sent).toBe(0);
      await a.admin.client.delete(`/api/v1/webhooks/${id}`);
    });

    it('tasks, projects, notes and files send their own events (created, updated, deleted, restored)', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: [
          'task.created',
          'task.updated',
          'task.deleted',
          'task.restored',
          'project.created',
          'project.deleted',
          'note.created',
          'note.updated',
          'file.created',
          'file.deleted',
        ],
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const person = await makePerson(a.member.client, { firstName: 'Linked', lastName: 'Person' });
      const task = await a.member.client.post<{ id: string }>('/api/v1/tasks', { title: 'Send offer' });
      expect(task.status, JSON.stringify(task.body)).toBe(201);
      await a.member.client.patch(`/api/v1/tasks/${task.body.id}`, { status: 'done' });
      await a.member.client.delete(`/api/v1/tasks/${task.body.id}`);
      await a.member.client.post(`/api/v1/tasks/${task.body.id}/restore`, {});
      const project = await a.member.client.post<{ id: string }>('/api/v1/projects', { name: 'Rollout' });
      expect(project.status, JSON.stringify(project.body)).toBe(201);
      await a.member.client.delete(`/api/v1/projects/${project.body.id}`);
      const note = await a.member.client.post<{ id: string }>('/api/v1/notes', {
        bodyHtml: '<p>Met at the fair</p>',
        personIds: [person.id],
      });
      expect(note.status, JSON.stringify(note.body)).toBe(201);
      await a.member.client.patch(`/api/v1/notes/${note.body.id}`, { bodyHtml: '<p>Met at the spring fair</p>' });
      const file = await uploadOk(env(), a.member.client, 'person', person.id, 'offer.txt', Buffer.from('offer'));
      await a.member.client.delete(`/api/v1/files/${file.id}`);
      receiver.received.length = 0;
      const result = await run();
      const bodies = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { id: string } });
      expect(bodies.map((x) => x.type)).toEqual([
        'task.created',
        'task.updated',
        'task.deleted',
        'task.restored',
        'project.created',
        'project.deleted',
        'note.created',
        'note.updated',
        'file.created',
        'file.deleted',
      ]);
      expect(result.sent).toBe(10);
      expect(bodies[0]?.data.id).toBe(task.body.id);
      expect(bodies[6]?.data.id).toBe(note.body.id);
      expect(bodies[8]?.data.id).toBe(file.id);
      for (const r of receiver.received) expect(verify(created.body.secret, r)).toBe(true);
      expect((await a.admin.client.delete(`/api/v1/webhooks/${created.body.id}`)).status).toBe(200);
    });

    it('after 500s it retries with backoff on the clock, up to the last attempt; resend sends again', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['company.created'],
      });
      const id = created.body.id;
      receiver.setStatus(500);
      await makeCompany(a.member.client);
      receiver.received.length = 0;
      await run();
      let [d] = await deliveries(id);
      expect(d?.status).toBe('pending');
      expect(d?.attempts).toBe(1);
      expect(d?.responseStatus).toBe(500);
      expect(d?.responseBody?.length).toBe(1024);
      const first = RETRY_DELAYS_MS[0] ?? 0;
      const wait = new Date(d?.nextAttemptAt ?? 0).getTime() - env().clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(first * 0.9);
      expect(wait).toBeLessThanOrEqual(first * 1.1);
      // Not due yet: nothing is sent.
      await run();
      expect(receiver.received.length).toBe(1);
      for (let i = 1; i < MAX_ATTEMPTS; i += 1) {
        env().clock.advance((RETRY_DELAYS_MS[i - 1] ?? 0) * 1.11);
        await run();
      }
      [d] = await deliveries(id);
      expect(receiver.received.length).toBe(MAX_ATTEMPTS);
      expect(d?.status).toBe('failed');
      expect(d?.attempts).toBe(MAX_ATTEMPTS);
      expect(d?.nextAttemptAt).toBeNull();
      env().clock.advance(48 * 3600_000);
      await run();
      expect(receiver.received.length).toBe(MAX_ATTEMPTS);

      receiver.setStatus(200);
      const resent = await a.admin.client.post<TWebhookDelivery>(
        `/api/v1/webhooks/${id}/deliveries/${d?.id}/resend`,
        {},
      );
      expect(resent.status).toBe(200);
      await run();
      [d] = await deliveries(id);
      expect(d?.status).toBe('succeeded');
      expect(receiver.received.length).toBe(MAX_ATTEMPTS + 1);
      const sub = (await a.admin.client.get<{ items: TWebhook[] }>('/api/v1/webhooks')).body.items.find(
        (w) => w.id === id,
      );
      expect(sub?.consecutiveFailures).toBe(0);
      await a.admin.client.delete(`/api/v1/webhooks/${id}`);
    });

    it('a subscription is switched off after many consecutive failures, audited', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['deal.created', 'company.updated'],
      });
      const id = created.body.id;
      receiver.setStatus(503);
      const company = await makeCompany(a.member.client);
      for (let i = 0; i < AUTO_DISABLE_AFTER; i += 1) {
        await a.member.client.patch(`/api/v1/companies/${company.id}`, { name: `Renamed ${i}` });
      }
      await run();
      const sub = (await a.admin.client.get<{ items: TWebhook[] }>('/api/v1/webhooks')).body.items.find(
        (w) => w.id === id,
      );
      expect(sub?.active).toBe(false);
      expect(sub?.disabledReason).toContain('consecutive');
      const audit = await withTenant(env().services.database.db, { workspaceId: a.workspaceId }, (tx) =>
        tx
          .select()
          .from(auditEntries)
          .where(and(eq(auditEntries.workspaceId, a.workspaceId), eq(auditEntries.targetId, id))),
      );
      expect(audit.map((e) => e.action)).toEqual(['webhook.created', 'webhook.disabled']);
      receiver.setStatus(200);
      const on = await a.admin.client.patch<TWebhook>(`/api/v1/webhooks/${id}`, { active: true });
      expect(on.body.active).toBe(true);
      expect(on.body.consecutiveFailures).toBe(0);
      await a.admin.client.delete(`/api/v1/webhooks/${id}`);
    });

    it('[P-SEC-5] only admins manage webhooks; another workspace cannot see or change them; its events stay its own', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['person.created'],
      });
      const id = created.body.id;
      for (const u of [a.member, a.viewer]) {
        expect((await u.client.get('/api/v1/webhooks')).status).toBe(403);
        expect(
          (await u.client.post('/api/v1/webhooks', { url: receiver.url, events: ['person.created'] })).status,
        ).toBe(403);
        expect((await u.client.get(`/api/v1/webhooks/${id}/deliveries`)).status).toBe(403);
      }
      expect((await b.admin.client.get<{ items: TWebhook[] }>('/api/v1/webhooks')).body.items).toEqual([]);
      expect((await b.admin.client.patch(`/api/v1/webhooks/${id}`, { active: false })).status).toBe(404);
      expect((await b.admin.client.delete(`/api/v1/webhooks/${id}`)).status).toBe(404);
      expect((await b.admin.client.get(`/api/v1/webhooks/${id}/deliveries`)).status).toBe(404);
      expect((await a.admin.client.get('/api/v1/webhooks', { 'x-tillit-workspace': b.workspaceId })).status).toBe(403);
      receiver.received.length = 0;
      await makePerson(b.owner.client);
      await run();
      expect(receiver.received.length).toBe(0);
      await a.admin.client.delete(`/api/v1/webhooks/${id}`);
    });

    it('a private person reaches a webhook only as the event of its own workspace (payload is the record as returned)', async () => {
      const created = await a.admin.client.post<TCreatedWebhook>('/api/v1/webhooks', {
        url: receiver.url,
        events: ['person.created'],
      });
      receiver.received.length = 0;
      const p = await makePerson(a.other.client, { visibility: 'private' });
      await run();
      const got = receiver.received.map((r) => JSON.parse(r.body) as { data: { id: string; visibility: string } });
      expect(
        got.map((g) => g.data.id),
        JSON.stringify(receiver.received.map((r) => r.body.slice(0, 120))),
      ).toEqual([p.id]);
      expect(got[0]?.data.visibility).toBe('private');
      await a.admin.client.delete(`/api/v1/webhooks/${created.body.id}`);
    });
  },
  { env: { WEBHOOKS_ALLOW_PRIVATE_URLS: 'true' } },
);

describeEachDatabase('webhooks: SSRF', (env) => {
  it('[P-SEC-5] URLs to loopback, private and link-local addresses are refused (422 naming url)', async () => {
    const a = await crmWorkspace(env(), 'Ssrf');
    for (const url of [
      'http://127.0.0.1:8080/x',
      'http://localhost/x',
      'http://10.1.2.3/x',
      'http://192.168.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x',
      'ftp://example.com/x',
    ]) {
      const res = await a.admin.client.post<{ error: { fields: Record<string, string> } }>('/api/v1/webhooks', {
        url,
        events: ['person.created'],
      });
      expect(res.status, url).toBe(422);
      expect(res.body.error.fields).toHaveProperty('url');
    }
    expect(isPrivateAddress('172.20.0.1')).toBe(true);
    expect(isPrivateAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isPrivateAddress('fd00::1')).toBe(true);
    expect(isPrivateAddress('93.184.216.34')).toBe(false);
    expect(isPrivateAddress('2606:4700::1111')).toBe(false);
  }, 60_000);
});
