import type { TCompany, TPerson } from '@tillit/contracts';
import { expect } from 'vitest';
import type { TestClient, TestEnv } from '../../../test/harness.ts';
import { addMember, ownerWithWorkspace, type TestUser } from '../workspaces/workspaces.test-helpers.ts';

/** A workspace with an owner, an admin, a member of team T, another member (not in T) and a viewer. */
export async function crmWorkspace(env: TestEnv, name = 'Crm') {
  const { owner, workspaceId } = await ownerWithWorkspace(env, name);
  const team = await owner.client.post<{ teamId: string }>('/api/teams', { name: 'Sales' });
  expect(team.status).toBe(201);
  const teamId = team.body.teamId;
  const admin = await addMember(env, owner.client, 'admin', 'crm-admin');
  const member = await addMember(env, owner.client, 'member', 'crm-member', teamId);
  const other = await addMember(env, owner.client, 'member', 'crm-other');
  const viewer = await addMember(env, owner.client, 'viewer', 'crm-viewer');
  return { owner, admin, member, other, viewer, workspaceId, teamId };
}
export type CrmWorkspace = Awaited<ReturnType<typeof crmWorkspace>>;
export type { TestUser };

let n = 0;
export async function makePerson(client: TestClient, body: Record<string, unknown> = {}): Promise<TPerson> {
  n += 1;
  const res = await client.post<TPerson>('/api/v1/people', {
    firstName: `Person${n}`,
    lastName: 'Example',
    subjectCategories: ['client'],
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export async function makeCompany(client: TestClient, body: Record<string, unknown> = {}): Promise<TCompany> {
  n += 1;
  const res = await client.post<TCompany>('/api/v1/companies', { name: `Company ${n}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
