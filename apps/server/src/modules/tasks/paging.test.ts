import type { TProjectList, TTask, TTaskList } from '@tillit/contracts';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/harness.ts';
import { type CrmWorkspace, crmWorkspace, makeProject, makeTask } from './tasks.test-helpers.ts';

describeEachDatabase('tasks and projects: keyset paging', (env) => {
  let w: CrmWorkspace;
  const made: TTask[] = [];
  beforeAll(async () => {
    w = await crmWorkspace(env(), 'Paging');
    for (let i = 0; i < 23; i++) {
      // Several tasks share a due time and some have none, so ties and the undated tail are paged too.
      const dueAt = i % 5 === 0 ? null : new Date(Date.UTC(2026, 2, 1 + (i % 4), 9)).toISOString();
      if (i % 3 === 0) env().clock.advance(1000);
      made.push(await makeTask(w.member.client, { title: `T${i}`, dueAt, assigneeId: i % 2 ? w.other.userId : null }));
    }
  }, 120_000);

  const walk = async (query: string, limit: number) => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const url: string = `/api/v1/tasks?${query}&limit=${limit}${after ? `&after=${after}` : ''}`;
      const res: { status: number; body: TTaskList } = await w.member.client.get<TTaskList>(url);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seen.push(...res.body.items.map((t) => t.id));
      after = res.body.nextCursor;
      if (!after) return seen;
    }
    throw new Error('did not end');
  };

  const key = (t: TTask, sort: 'dueAt' | 'createdAt' | 'updatedAt') =>
    sort === 'dueAt' ? (t.dueAt ?? '9999-12-31T00:00:00.000Z') : t[sort];
  const expected = (list: TTask[], sort: 'dueAt' | 'createdAt' | 'updatedAt', dir: 'asc' | 'desc') => {
    const sorted = [...list].sort((x, y) => {
      const a = key(x, sort);
      const b = key(y, sort);
      return a < b ? -1 : a > b ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
    });
    return (dir === 'asc' ? sorted : sorted.reverse()).map((t) => t.id);
  };

  it('[P-CRM-4] every sort and direction pages through every task exactly once, in order (ties and undated included)', async () => {
    for (const sort of ['dueAt', 'createdAt', 'updatedAt'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const ids = await walk(`sort=${sort}&dir=${dir}`, 4);
        expect(ids, `${sort} ${dir}`).toEqual(expected(made, sort, dir));
      }
    }
  });

  it('[P-CRM-4] pages under a filter (assignee) stay within it', async () => {
    const ids = await walk(`assignee=${w.other.userId}&sort=dueAt&dir=asc`, 3);
    expect(ids).toEqual(
      expected(
        made.filter((t) => t.assigneeId === w.other.userId),
        'dueAt',
        'asc',
      ),
    );
    expect(await walk('assignee=none&sort=createdAt&dir=desc', 5)).toEqual(
      expected(
        made.filter((t) => t.assigneeId === null),
        'createdAt',
        'desc',
      ),
    );
  });

  it('[P-CRM-4] a cursor of another sort or direction is refused (422 naming after)', async () => {
    const first = await w.member.client.get<TTaskList>('/api/v1/tasks?sort=dueAt&dir=asc&limit=2');
    const res = await w.member.client.get(`/api/v1/tasks?sort=createdAt&dir=asc&after=${first.body.nextCursor}`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { fields: { after: expect.any(String) } } });
  });

  it('[P-CRM-4] projects page by name, created and updated', async () => {
    const names = ['beta', 'Alpha', 'gamma', 'alpha', 'Delta'];
    for (const name of names) {
      env().clock.advance(1000);
      await makeProject(w.member.client, { name });
    }
    const all: string[] = [];
    let after: string | null = null;
    do {
      const res: { body: TProjectList } = await w.member.client.get<TProjectList>(
        `/api/v1/projects?sort=name&dir=asc&limit=2${after ? `&after=${after}` : ''}`,
      );
      all.push(...res.body.items.map((p) => p.name));
      after = res.body.nextCursor;
    } while (after);
    expect(all.map((n) => n.toLowerCase())).toEqual(['alpha', 'alpha', 'beta', 'delta', 'gamma']);
    const created = await w.member.client.get<TProjectList>('/api/v1/projects?sort=createdAt&dir=desc&limit=3');
    expect(created.body.items.map((p) => p.name)).toEqual(['Delta', 'alpha', 'gamma']);
    expect(created.body.nextCursor).not.toBeNull();
  });
});
