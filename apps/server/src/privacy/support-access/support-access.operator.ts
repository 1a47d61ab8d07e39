import type { TOperatorPerson } from '@tillit/contracts';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { companies, people, personEmails, personPhones } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { recordSupportAccess, requireGrant } from './support-access.service.ts';

/**
 * What an operator reads under a grant. Read-only by construction (there is no write path
 * here), and only records shared with the whole workspace: private and team records stay
 * private even from support (P-ACC-7).
 */
type Page = { limit: number; after?: string | undefined };

export async function operatorListPeople(tx: Tx, workspaceId: string, operatorId: string, q: Page, now: Date) {
  const grantId = await requireGrant(tx, workspaceId, 'people', now);
  const rows = await tx
    .select({ id: people.personId, firstName: people.firstName, lastName: people.lastName, title: people.title })
    .from(people)
    .where(
      and(
        eq(people.workspaceId, workspaceId),
        isNull(people.deletedAt),
        eq(people.visibility, 'workspace'),
        q.after ? gt(people.personId, q.after) : undefined,
      ),
    )
    .orderBy(asc(people.personId))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  await recordSupportAccess(
    tx,
    workspaceId,
    { operatorId, grantId, object: 'people', action: 'list', recordIds: [], count: items.length },
    now,
  );
  return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function operatorGetPerson(
  tx: Tx,
  workspaceId: string,
  operatorId: string,
  personId: string,
  now: Date,
): Promise<TOperatorPerson> {
  const grantId = await requireGrant(tx, workspaceId, 'people', now);
  const [p] = await tx
    .select({ id: people.personId, firstName: people.firstName, lastName: people.lastName, title: people.title })
    .from(people)
    .where(
      and(
        eq(people.workspaceId, workspaceId),
        eq(people.personId, personId),
        isNull(people.deletedAt),
        eq(people.visibility, 'workspace'),
      ),
    );
  if (!p) throw notFound('The person');
  const emails = await tx
    .select({ v: personEmails.email })
    .from(personEmails)
    .where(and(eq(personEmails.workspaceId, workspaceId), eq(personEmails.personId, personId)))
    .orderBy(asc(personEmails.position));
  const phones = await tx
    .select({ v: personPhones.phone })
    .from(personPhones)
    .where(and(eq(personPhones.workspaceId, workspaceId), eq(personPhones.personId, personId)))
    .orderBy(asc(personPhones.position));
  await recordSupportAccess(
    tx,
    workspaceId,
    { operatorId, grantId, object: 'people', action: 'read', recordIds: [personId] },
    now,
  );
  return { ...p, emails: emails.map((e) => e.v), phones: phones.map((e) => e.v) };
}

export async function operatorListCompanies(tx: Tx, workspaceId: string, operatorId: string, q: Page, now: Date) {
  const grantId = await requireGrant(tx, workspaceId, 'companies', now);
  const rows = await tx
    .select({ id: companies.companyId, name: companies.name, domain: companies.domain })
    .from(companies)
    .where(
      and(
        eq(companies.workspaceId, workspaceId),
        isNull(companies.deletedAt),
        eq(companies.visibility, 'workspace'),
        q.after ? gt(companies.companyId, q.after) : undefined,
      ),
    )
    .orderBy(asc(companies.companyId))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit);
  await recordSupportAccess(
    tx,
    workspaceId,
    { operatorId, grantId, object: 'companies', action: 'list', recordIds: [], count: items.length },
    now,
  );
  return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
}
