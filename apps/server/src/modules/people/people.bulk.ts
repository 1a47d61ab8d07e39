import { insertUnnest } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { cleanTags } from './people.cursor.ts';

/** A person ready to be written: checked, normalised, with its id (bulk writers build these). */
export type NewPersonRow = {
  personId: string;
  firstName: string;
  lastName: string;
  title: string | null;
  address: {
    street?: string | null;
    state?: string | null;
    postalCode?: string | null;
    city?: string | null;
    country?: string | null;
  };
  ownerId: string;
  source: string;
  visibility: string;
  teamId: string | null;
  /** In order; `primary` as stored. */
  emails: { value: string; type: string; primary: boolean }[];
  phones: { value: string; type: string; primary: boolean }[];
  tags: readonly string[];
  categories: readonly string[];
  companies: { companyId: string; role: string | null }[];
};

const contact = (column: string): [string, string][] => [
  ['workspace_id', 'uuid'],
  ['person_id', 'uuid'],
  [column, 'text'],
  ['type', 'text'],
  ['is_primary', 'boolean'],
  ['position', 'integer'],
];

/**
 * Writes people with their emails, phones, tags, categories and company links: one
 * `insert ... select from unnest` per table, whatever the count. The one row writer of the
 * bulk paths (the import's batches, `createPeople` for the demo); checks, audit, search and
 * events stay with the callers.
 */
export async function insertPeopleRows(
  tx: Tx,
  workspaceId: string,
  rows: readonly NewPersonRow[],
  at: Date,
): Promise<void> {
  if (!rows.length) return;
  const ws = workspaceId;
  const when = at.toISOString();
  await insertUnnest(
    tx,
    'people',
    [
      ['workspace_id', 'uuid'],
      ['person_id', 'uuid'],
      ['first_name', 'text'],
      ['last_name', 'text'],
      ['title', 'text'],
      ['street', 'text'],
      ['state', 'text'],
      ['postal_code', 'text'],
      ['city', 'text'],
      ['country', 'text'],
      ['owner_id', 'uuid'],
      ['source', 'text'],
      ['visibility', 'text'],
      ['team_id', 'uuid'],
      ['created_at', 'timestamptz'],
      ['updated_at', 'timestamptz'],
    ],
    rows.map((r) => [
      ws,
      r.personId,
      r.firstName,
      r.lastName,
      r.title,
      r.address.street ?? null,
      r.address.state ?? null,
      r.address.postalCode ?? null,
      r.address.city ?? null,
      r.address.country ?? null,
      r.ownerId,
      r.source,
      r.visibility,
      r.teamId,
      when,
      when,
    ]),
  );
  await insertUnnest(
    tx,
    'person_emails',
    contact('email'),
    rows.flatMap((r) => r.emails.map((e, i) => [ws, r.personId, e.value, e.type, e.primary, i])),
  );
  await insertUnnest(
    tx,
    'person_phones',
    contact('phone'),
    rows.flatMap((r) => r.phones.map((p, i) => [ws, r.personId, p.value, p.type, p.primary, i])),
  );
  await insertUnnest(
    tx,
    'person_tags',
    [
      ['workspace_id', 'uuid'],
      ['person_id', 'uuid'],
      ['tag', 'text'],
      ['position', 'integer'],
    ],
    rows.flatMap((r) => cleanTags([...r.tags]).map((tag, i) => [ws, r.personId, tag, i])),
  );
  await insertUnnest(
    tx,
    'person_categories',
    [
      ['workspace_id', 'uuid'],
      ['person_id', 'uuid'],
      ['category', 'text'],
    ],
    rows.flatMap((r) => [...new Set(r.categories)].map((c) => [ws, r.personId, c])),
  );
  await insertUnnest(
    tx,
    'person_companies',
    [
      ['workspace_id', 'uuid'],
      ['person_id', 'uuid'],
      ['company_id', 'uuid'],
      ['role', 'text'],
      ['created_at', 'timestamptz'],
    ],
    rows.flatMap((r) => r.companies.map((c) => [ws, r.personId, c.companyId, c.role, when])),
  );
}
