import type { TCompany } from '@tillit/contracts';
import type { companies } from '../../db/schema/index.ts';
import { effectiveVisibility } from '../people/people.policy.ts';
import { presentAddress } from '../people/people.presenter.ts';

export type CompanyRow = typeof companies.$inferSelect;

/** Rows to responses: nothing leaves the server as a raw row. */
export function presentCompany(row: CompanyRow, customFields: TCompany['customFields'] = {}): TCompany {
  return {
    id: row.companyId,
    name: row.name,
    domain: row.domain,
    orgNumber: row.orgNumber,
    address: presentAddress(row),
    industry: row.industry,
    size: row.size,
    ownerId: row.ownerId,
    ...effectiveVisibility(row),
    tags: row.tags,
    customFields,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
  };
}
