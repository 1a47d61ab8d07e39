import type { TAddress, TPerson, TPersonCompany, TPersonEmail, TPersonPhone, TTrashItem } from '@tillit/contracts';
import type { people } from '../../db/schema/index.ts';
import { effectiveVisibility } from './people.policy.ts';

/** Rows to responses: nothing leaves the server as a raw row. */

export type PersonRow = typeof people.$inferSelect;
export type AddressColumns = {
  street: string | null;
  state: string | null;
  postalCode: string | null;
  city: string | null;
  country: string | null;
};

export const TRASH_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export function presentAddress(row: AddressColumns): TAddress {
  return { street: row.street, state: row.state, postalCode: row.postalCode, city: row.city, country: row.country };
}

export function presentPerson(
  row: PersonRow,
  parts: {
    emails: TPersonEmail[];
    phones: TPersonPhone[];
    companies: TPersonCompany[];
    tags: string[];
    subjectCategories: TPerson['subjectCategories'];
    customFields?: TPerson['customFields'];
  },
): TPerson {
  return {
    id: row.personId,
    firstName: row.firstName,
    lastName: row.lastName,
    emails: parts.emails,
    phones: parts.phones,
    address: presentAddress(row),
    title: row.title,
    companies: parts.companies,
    ownerId: row.ownerId,
    tags: parts.tags,
    subjectCategories: parts.subjectCategories,
    source: row.source,
    ...effectiveVisibility(row),
    // The square thumbnail of the photo; files/ serves it with the person's visibility.
    photoUrl: row.photoFileId ? `/api/v1/files/${row.photoFileId}/thumbnail` : null,
    customFields: parts.customFields ?? {},
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
  };
}

export function displayName(firstName: string, lastName: string): string {
  return `${firstName} ${lastName}`.trim();
}

export function presentTrashItem(kind: TTrashItem['kind'], id: string, name: string, deletedAt: Date): TTrashItem {
  return {
    kind,
    id,
    name,
    deletedAt: deletedAt.toISOString(),
    purgeAfter: new Date(deletedAt.getTime() + TRASH_DAYS * DAY_MS).toISOString(),
  };
}
