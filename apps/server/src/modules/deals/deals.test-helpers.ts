import type { TDeal, TPipeline, TPipelineList } from '@tillit/contracts';
import { expect } from 'vitest';
import type { TestClient } from '../../../test/harness.ts';

export { type CrmWorkspace, crmWorkspace, makeCompany, makePerson } from '../people/people.test-helpers.ts';

/** The workspace's first pipeline (the default "Sales" one). */
export async function salesPipeline(client: TestClient): Promise<TPipeline> {
  const res = await client.get<TPipelineList>('/api/v1/pipelines');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const p = res.body.items[0];
  if (!p) throw new Error('no pipeline');
  return p;
}

export function stageNamed(p: TPipeline, name: string) {
  const s = p.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
}

let n = 0;
export async function makeDeal(
  client: TestClient,
  pipelineId: string,
  body: Record<string, unknown> = {},
): Promise<TDeal> {
  n += 1;
  const res = await client.post<TDeal>('/api/v1/deals', {
    pipelineId,
    name: `Deal ${n}`,
    amount: 100_00,
    currency: 'NOK',
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
