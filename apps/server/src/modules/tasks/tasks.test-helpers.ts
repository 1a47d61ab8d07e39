import type { TProject, TTask } from '@tillit/contracts';
import { expect } from 'vitest';
import type { TestClient } from '../../../test/harness.ts';

export { makeDeal, salesPipeline } from '../deals/deals.test-helpers.ts';
export { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';

let n = 0;
export async function makeTask(client: TestClient, body: Record<string, unknown> = {}): Promise<TTask> {
  n += 1;
  const res = await client.post<TTask>('/api/v1/tasks', { title: `Task ${n}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function makeProject(client: TestClient, body: Record<string, unknown> = {}): Promise<TProject> {
  n += 1;
  const res = await client.post<TProject>('/api/v1/projects', { name: `Project ${n}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
