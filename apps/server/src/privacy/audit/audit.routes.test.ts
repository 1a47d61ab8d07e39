import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { addMember, ownerWithWorkspace } from '../../modules/workspaces/workspaces.test-helpers.ts';

type Page = { entries: { seq: number; action: string; actor: { id: string | null } }[]; nextBefore: number | null };

describeEachDatabase('the audit log API', (env) => {
  it('lets admins read the log newest first with keyset paging and a filter; others get 403', async () => {
    const { owner } = await ownerWithWorkspace(env());
    const member = await addMember(env(), owner.client, 'member');
    await owner.client.patch(`/api/members/${member.userId}`, { role: 'viewer' });
    const first = await owner.client.get<Page>('/api/audit?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(2);
    const [a, b] = first.body.entries;
    expect((a?.seq ?? 0) > (b?.seq ?? 0)).toBe(true);
    expect(first.body.nextBefore).toBe(b?.seq);
    const rest = await owner.client.get<Page>(`/api/audit?limit=200&before=${first.body.nextBefore}`);
    const seqs = [...first.body.entries, ...rest.body.entries].map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.min(...seqs)).toBe(1);
    const actions = [...first.body.entries, ...rest.body.entries].map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['workspace.created', 'member.invited', 'member.joined', 'member.role_changed']),
    );
    const filtered = await owner.client.get<Page>('/api/audit?action=member.');
    expect(filtered.body.entries.every((e) => e.action.startsWith('member.'))).toBe(true);
    expect((await member.client.get('/api/audit')).status).toBe(403);
    expect((await member.client.post('/api/audit/verify', {})).status).toBe(403);
  });

  it('verifies the chain on request and records that it did', async () => {
    const { owner } = await ownerWithWorkspace(env());
    const res = await owner.client.post<{ ok: boolean; entries: number }>('/api/audit/verify', {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true });
    expect(res.body.entries).toBeGreaterThan(0);
    const log = await owner.client.get<Page>('/api/audit?limit=1');
    expect(log.body.entries[0]?.action).toBe('audit.verified');
  });
});
