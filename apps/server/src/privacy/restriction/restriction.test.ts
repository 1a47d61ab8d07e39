import { expect, it } from 'vitest';
import { describeEachDatabase, type TestEnv } from '../../../test/harness.ts';
import type { Tx } from '../../db/client.ts';
import { withTenant } from '../../db/tenant.ts';
import { makeCompany, makePerson } from '../../modules/people/people.test-helpers.ts';
import { ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';
import { recordConsent } from '../consent/consent.service.ts';
import type { PrivacyCtx } from '../purposes/privacy-context.ts';
import { purposeAllows } from '../purposes/purposes.service.ts';
import {
  assertNotRestricted,
  isRestricted,
  liftRestriction,
  restrictedAmong,
  restrictPerson,
} from './restriction.service.ts';

function inWs<T>(env: TestEnv, workspaceId: string, fn: (tx: Tx, ctx: PrivacyCtx) => Promise<T>): Promise<T> {
  const now = env.clock.now();
  return withTenant(env.services.database.db, { workspaceId }, (tx) =>
    fn(tx, { workspaceId, actor: { kind: 'system' }, now }),
  );
}

describeEachDatabase('restriction of processing', (env) => {
  it('[P-DSR-2] while a correction is pending the record is read-only; lifting the restriction makes it writable again', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'Restrict');
    const person = await makePerson(owner.client, { firstName: 'Wrong' });
    await inWs(env(), workspaceId, (tx, ctx) =>
      restrictPerson(tx, ctx, person.id, { reason: 'The person disputes the spelling of their name' }),
    );
    // Idempotent: a second restriction keeps the first.
    const again = await inWs(env(), workspaceId, (tx, ctx) => restrictPerson(tx, ctx, person.id, { reason: 'again' }));
    expect(again.reason).toBe('The person disputes the spelling of their name');
    expect(await inWs(env(), workspaceId, (tx) => isRestricted(tx, workspaceId, person.id))).toBe(true);
    await expect(
      inWs(env(), workspaceId, (tx) => assertNotRestricted(tx, workspaceId, person.id)),
    ).rejects.toMatchObject({ code: 'person_restricted', status: 409 });

    const patch = await owner.client.patch(`/api/v1/people/${person.id}`, { firstName: 'Right' });
    expect(patch.status).toBe(409);
    expect(patch.body).toMatchObject({ error: { code: 'person_restricted' } });
    const del = await owner.client.delete(`/api/v1/people/${person.id}`);
    expect(del.status).toBe(409);
    const read = await owner.client.get<{ firstName: string }>(`/api/v1/people/${person.id}`);
    expect(read.status).toBe(200);
    expect(read.body.firstName).toBe('Wrong');

    await inWs(env(), workspaceId, (tx, ctx) => liftRestriction(tx, ctx, person.id, { reason: 'Corrected' }));
    const fixed = await owner.client.patch<{ firstName: string }>(`/api/v1/people/${person.id}`, {
      firstName: 'Right',
    });
    expect(fixed.status).toBe(200);
    expect(fixed.body.firstName).toBe('Right');
    await expect(
      inWs(env(), workspaceId, (tx, ctx) => liftRestriction(tx, ctx, person.id, { reason: 'twice' })),
    ).rejects.toMatchObject({ code: 'not_restricted' });
  });

  it('[P-DSR-2] a restricted person is left out of every purpose except legal obligation and security (set-based)', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'RestrictSet');
    const a = await makePerson(owner.client);
    const b = await makePerson(owner.client);
    for (const p of [a, b]) {
      await inWs(env(), workspaceId, (tx, ctx) =>
        recordConsent(tx, ctx, { personId: p.id, purpose: 'marketing.email', state: 'given', method: 'web_form' }),
      );
    }
    await inWs(env(), workspaceId, (tx, ctx) => restrictPerson(tx, ctx, b.id, { reason: 'accuracy contested' }));
    const ids = [a.id, b.id];
    const allows = (key: string) =>
      inWs(env(), workspaceId, (tx, ctx) => purposeAllows(tx, workspaceId, ids, key, ctx.now));
    expect([...(await allows('marketing.email'))]).toEqual([a.id]);
    expect([...(await allows('crm.relationship'))]).toEqual([a.id]);
    expect([...(await allows('enrichment'))]).toEqual([a.id]);
    expect([...(await allows('billing'))].sort()).toEqual(ids.sort());
    expect([...(await allows('security'))].sort()).toEqual(ids.sort());
    expect([...(await inWs(env(), workspaceId, (tx) => restrictedAmong(tx, workspaceId, ids)))]).toEqual([b.id]);
  });
  it('[P-DSR-2] tasks and notes cannot add or remove links to a restricted person; untouched links stay', async () => {
    const { owner, workspaceId } = await ownerWithWorkspace(env(), 'RestrictLinks');
    const restricted = await makePerson(owner.client);
    const free = await makePerson(owner.client);
    const task = await owner.client.post<{ id: string }>('/api/v1/tasks', {
      title: 'Call back',
      personIds: [restricted.id],
    });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    await inWs(env(), workspaceId, (tx, ctx) => restrictPerson(tx, ctx, restricted.id, { reason: 'pending' }));

    const newTask = await owner.client.post('/api/v1/tasks', { title: 'x', personIds: [free.id, restricted.id] });
    expect(newTask.status).toBe(409);
    expect(newTask.body).toMatchObject({ error: { code: 'person_restricted' } });
    const note = await owner.client.post('/api/v1/notes', { bodyHtml: '<p>hi</p>', personIds: [restricted.id] });
    expect(note.status).toBe(409);
    const unlink = await owner.client.patch(`/api/v1/tasks/${task.body.id}`, { personIds: [] });
    expect(unlink.status).toBe(409);
    // Changing the task itself, or its other links, leaves the restricted link as it was.
    const retitle = await owner.client.patch(`/api/v1/tasks/${task.body.id}`, { title: 'Call back later' });
    expect(retitle.status).toBe(200);
    const more = await owner.client.patch<{ personIds: string[] }>(`/api/v1/tasks/${task.body.id}`, {
      personIds: [restricted.id, free.id],
    });
    expect(more.status).toBe(200);
    expect(more.body.personIds.sort()).toEqual([free.id, restricted.id].sort());
    const freeNote = await owner.client.post('/api/v1/notes', { bodyHtml: '<p>ok</p>', personIds: [free.id] });
    expect(freeNote.status).toBe(201);
    // Linking the restricted person to a company changes their record: refused too.
    const company = await makeCompany(owner.client);
    const link = await owner.client.post(`/api/v1/people/${restricted.id}/companies`, { companyId: company.id });
    expect(link.status).toBe(409);
    expect(link.body).toMatchObject({ error: { code: 'person_restricted' } });
    expect((await owner.client.post(`/api/v1/people/${free.id}/companies`, { companyId: company.id })).status).toBe(
      200,
    );
  });
});
