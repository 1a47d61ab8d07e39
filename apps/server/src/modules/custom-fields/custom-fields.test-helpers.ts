import type { TCustomField } from '@tillit/contracts';
import { expect } from 'vitest';
import type { TestClient } from '../../../test/harness.ts';

/** Creates a custom field (not personal unless the body says so); the client must be an admin. */
export async function makeField(client: TestClient, body: Record<string, unknown>): Promise<TCustomField> {
  const res = await client.post<TCustomField>('/api/v1/custom-fields', { personal: false, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
