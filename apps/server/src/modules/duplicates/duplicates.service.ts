import type {
  TDismissDuplicateBody,
  TDuplicateList,
  TDuplicateReason,
  TMergeFields,
  TMergeResult,
} from '@tillit/contracts';
import { and, asc, eq, gt, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { alias, type PgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import {
  companies,
  people,
  personCategories,
  personCompanies,
  personEmails,
  personMerges,
  personNonDuplicates,
  personPhones,
  personTags,
} from '../../db/schema/index.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { assertCanWrite, effectiveVisibility, visibleTo } from '../people/people.policy.ts';
import { inTenant, presentPeople } from '../people/people.service.ts';
import { reindexRecords } from '../search/search.index.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { decodePairCursor, type Pair, unionPairPage } from './duplicates.pairs.ts';
import { repointPerson } from './merge.repoint.ts';

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

// Finding duplicates

const p1 = alias(people, 'p1');
const p2 = alias(people, 'p2');

/** Both people live, visible to the actor, and not marked "not a duplicate". */
function pairConditions(actor: Actor, a: PgColumn, b: PgColumn, after: Pair | undefined): (SQL | undefined)[] {
  const ws = actor.workspaceId;
  return [
    isNull(p1.deletedAt),
    isNull(p2.deletedAt),
    visibleTo(actor, p1),
    visibleTo(actor, p2),
    sql`not exists (select 1 from ${personNonDuplicates} d where d.workspace_id = ${ws} and d.person_a = ${a} and d.person_b = ${b})`,
    after ? sql`(${a}, ${b}) > (${after.a}::uuid, ${after.b}::uuid)` : undefined,
  ];
}

/**
 * The first `limit` candidate pairs after `after` of one rule, in (a, b) order, a < b. Each
 * rule is one set-based query: an equality self-join on an index that leads with
 * workspace_id (email, phone; company then name), never a comparison of every pair in code.
 */
async function pairsBy(tx: Tx, actor: Actor, reason: TDuplicateReason, after: Pair | undefined, limit: number) {
  const ws = actor.workspaceId;
  if (reason === 'email') {
    const x1 = alias(personEmails, 'x1');
    const x2 = alias(personEmails, 'x2');
    return tx
      .selectDistinct({ a: x1.personId, b: x2.personId })
      .from(x1)
      .innerJoin(x2, and(eq(x2.workspaceId, x1.workspaceId), eq(x2.email, x1.email), gt(x2.personId, x1.personId)))
      .innerJoin(p1, and(eq(p1.workspaceId, x1.workspaceId), eq(p1.personId, x1.personId)))
      .innerJoin(p2, and(eq(p2.workspaceId, x2.workspaceId), eq(p2.personId, x2.personId)))
      .where(and(eq(x1.workspaceId, ws), ...pairConditions(actor, x1.personId, x2.personId, after)))
      .orderBy(asc(x1.personId), asc(x2.personId))
      .limit(limit);
  }
  if (reason === 'phone') {
    const x1 = alias(personPhones, 'x1');
    const x2 = alias(personPhones, 'x2');
    return tx
      .selectDistinct({ a: x1.personId, b: x2.personId })
      .from(x1)
      .innerJoin(x2, and(eq(x2.workspaceId, x1.workspaceId), eq(x2.phone, x1.phone), gt(x2.personId, x1.personId)))
      .innerJoin(p1, and(eq(p1.workspaceId, x1.workspaceId), eq(p1.personId, x1.personId)))
      .innerJoin(p2, and(eq(p2.workspaceId, x2.workspaceId), eq(p2.personId, x2.personId)))
      .where(and(eq(x1.workspaceId, ws), ...pairConditions(actor, x1.personId, x2.personId, after)))
      .orderBy(asc(x1.personId), asc(x2.personId))
      .limit(limit);
  }
  const c1 = alias(personCompanies, 'c1');
  const c2 = alias(personCompanies, 'c2');
  return tx
    .selectDistinct({ a: c1.personId, b: c2.personId })
    .from(c1)
    .innerJoin(
      c2,
      and(eq(c2.workspaceId, c1.workspaceId), eq(c2.companyId, c1.companyId), gt(c2.personId, c1.personId)),
    )
    .innerJoin(p1, and(eq(p1.workspaceId, c1.workspaceId), eq(p1.personId, c1.personId)))
    .innerJoin(p2, and(eq(p2.workspaceId, c2.workspaceId), eq(p2.personId, c2.personId), eq(p2.sortName, p1.sortName)))
    .innerJoin(companies, and(eq(companies.workspaceId, c1.workspaceId), eq(companies.companyId, c1.companyId)))
    .where(
      and(
        eq(c1.workspaceId, ws),
        isNull(companies.deletedAt),
        visibleTo(actor, companies),
        ...pairConditions(actor, c1.personId, c2.personId, after),
      ),
    )
    .orderBy(asc(c1.personId), asc(c2.personId))
    .limit(limit);
}

const RULES: TDuplicateReason[] = ['email', 'phone', 'name_company'];

/** One keyset page of candidate pairs (`unionPairPage`: the exact union of the rules' first pages). */
export async function listDuplicates(
  services: Services,
  actor: Actor,
  q: { after?: string | undefined; limit: number },
): Promise<TDuplicateList> {
  const after = q.after ? decodePairCursor(q.after) : undefined;
  return inTenant(services, actor, async (tx) => {
    const { page, ids, nextCursor } = await unionPairPage(
      RULES,
      (reason, limit) => pairsBy(tx, actor, reason, after, limit),
      q.limit,
    );
    const rows = ids.length
      ? await tx
          .select()
          .from(people)
          .where(and(eq(people.workspaceId, actor.workspaceId), inArray(people.personId, ids)))
      : [];
    const presented = new Map((await presentPeople(tx, actor, rows)).map((p) => [p.id, p]));
    const items = page.flatMap((e) => {
      const a = presented.get(e.pair.a);
      const b = presented.get(e.pair.b);
      return a && b ? [{ people: [a, b] as [typeof a, typeof b], reasons: e.reasons }] : [];
    });
    return { items, nextCursor };
  });
}

/** A live person the actor can see, locked for the rest of the transaction; 404 otherwise. */
async function lockPerson(tx: Tx, actor: Actor, personId: string) {
  const [row] = await tx
    .select()
    .from(people)
    .where(
      and(
        eq(people.workspaceId, actor.workspaceId),
        eq(people.personId, personId),
        isNull(people.deletedAt),
        visibleTo(actor, people),
      ),
    )
    .for('update');
  if (!row) throw notFound('The person');
  return row;
}

/** Marks a pair "not a duplicate" (idempotent). Both people must be visible to the caller. */
export async function dismissDuplicate(services: Services, actor: Actor, input: TDismissDuplicateBody): Promise<void> {
  assertCanWrite(actor);
  const now = services.clock.now();
  const [a, b] = [...input.personIds].sort() as [string, string];
  await inTenant(services, actor, async (tx) => {
    await lockPerson(tx, actor, a);
    await lockPerson(tx, actor, b);
    const inserted = await tx
      .insert(personNonDuplicates)
      .values({ workspaceId: actor.workspaceId, personA: a, personB: b, markedBy: actor.userId, markedAt: now })
      .onConflictDoNothing()
      .returning({ a: personNonDuplicates.personA });
    if (inserted.length === 0) return;
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'person.duplicate_dismissed',
        target: { type: 'person', id: a },
        details: { personIds: [a, b] },
      },
      now,
    );
  });
}

// Merging

type ListTable =
  | typeof personEmails
  | typeof personPhones
  | typeof personTags
  | typeof personCategories
  | typeof personCompanies;

const LIST_TABLES: Record<'emails' | 'phones' | 'tags' | 'subjectCategories' | 'companies', ListTable> = {
  emails: personEmails,
  phones: personPhones,
  tags: personTags,
  subjectCategories: personCategories,
  companies: personCompanies,
};

/**
 * Applies the list choices before the generic re-pointing: 'survivor' drops the merged
 * person's rows, 'merged' drops the survivor's, 'union' keeps both (the re-pointing drops the
 * merged person's copy of a value the survivor has too). Merged rows go after the survivor's
 * (positions) and lose their primary mark when the survivor has a primary.
 */
async function prepareLists(tx: Tx, ws: string, survivorId: string, mergedId: string, fields: TMergeFields) {
  for (const [field, t] of Object.entries(LIST_TABLES) as [keyof typeof LIST_TABLES, ListTable][]) {
    const choice = fields[field];
    if (choice === 'survivor' || choice === 'merged') {
      const drop = choice === 'survivor' ? mergedId : survivorId;
      await tx.delete(t).where(and(eq(t.workspaceId, ws), eq(t.personId, drop)));
    }
  }
  // Tags are unique per person case-insensitively (cleanTags): the survivor's spelling wins.
  await tx
    .delete(personTags)
    .where(
      and(
        eq(personTags.workspaceId, ws),
        eq(personTags.personId, mergedId),
        sql`exists (select 1 from ${personTags} s where s.workspace_id = ${ws} and s.person_id = ${survivorId} and lower(s.tag) = lower(${personTags.tag}))`,
      ),
    );
  for (const t of [personEmails, personPhones, personTags]) {
    await tx
      .update(t)
      .set({
        position: sql`${t.position} + (select coalesce(max(s.position) + 1, 0) from ${t} s where s.workspace_id = ${ws} and s.person_id = ${survivorId})`,
      })
      .where(and(eq(t.workspaceId, ws), eq(t.personId, mergedId)));
  }
  for (const t of [personEmails, personPhones]) {
    await tx
      .update(t)
      .set({ isPrimary: false })
      .where(
        and(
          eq(t.workspaceId, ws),
          eq(t.personId, mergedId),
          sql`exists (select 1 from ${t} s where s.workspace_id = ${ws} and s.person_id = ${survivorId} and s.is_primary)`,
        ),
      );
  }
}

/**
 * Merges `mergedId` into `survivorId` in one transaction (see ZMergeBody): field choices,
 * every reference re-pointed (data map and foreign keys), the merged person deleted for
 * good, a merge-log row with its previous values, one `person.merged` audit entry.
 */
export async function mergePeople(
  services: Services,
  actor: Actor,
  input: { survivorId: string; mergedId: string; fields: TMergeFields },
): Promise<TMergeResult> {
  assertCanWrite(actor);
  const now = services.clock.now();
  const { survivorId, mergedId, fields } = input;
  const ws = actor.workspaceId;
  try {
    return await inTenant(services, actor, async (tx) => {
      // Lock in id order, so two merges of the same pair cannot deadlock.
      const locked = new Map<string, Awaited<ReturnType<typeof lockPerson>>>();
      for (const id of [survivorId, mergedId].sort()) locked.set(id, await lockPerson(tx, actor, id));
      const survivor = locked.get(survivorId);
      const merged = locked.get(mergedId);
      if (!survivor || !merged) throw notFound('The person');
      const [previous] = await presentPeople(tx, actor, [merged]);

      const changes: Partial<typeof people.$inferInsert> = { updatedAt: now };
      if (fields.firstName === 'merged') changes.firstName = merged.firstName;
      if (fields.lastName === 'merged') changes.lastName = merged.lastName;
      if (fields.title === 'merged') changes.title = merged.title;
      if (fields.address === 'merged') {
        for (const k of ['street', 'state', 'postalCode', 'city', 'country'] as const) changes[k] = merged[k];
      }
      if (fields.ownerId === 'merged') changes.ownerId = merged.ownerId;
      if (fields.visibility === 'merged') Object.assign(changes, effectiveVisibility(merged));

      await prepareLists(tx, ws, survivorId, mergedId, fields);
      // Marks "not a duplicate" that involve the merged person say nothing about the survivor.
      await tx
        .delete(personNonDuplicates)
        .where(
          and(
            eq(personNonDuplicates.workspaceId, ws),
            sql`(${personNonDuplicates.personA} = ${mergedId} or ${personNonDuplicates.personB} = ${mergedId})`,
          ),
        );
      const { moved, dropped } = await repointPerson(tx, ws, survivorId, mergedId);
      await tx.delete(people).where(and(eq(people.workspaceId, ws), eq(people.personId, mergedId)));
      await tx
        .update(people)
        .set(changes)
        .where(and(eq(people.workspaceId, ws), eq(people.personId, survivorId)));

      // The survivor's search terms follow its merged values (the merged person's terms
      // were moved with its other rows; this drops those that no longer apply).
      await reindexRecords(tx, ws, 'person', [survivorId, mergedId]);

      const mergeId = newId(now.getTime());
      await tx.insert(personMerges).values({
        workspaceId: ws,
        mergeId,
        survivorId,
        mergedId,
        mergedBy: actor.userId,
        mergedAt: now,
        previous: previous ?? {},
        choices: { fields, moved, dropped },
      });
      await appendAudit(
        tx,
        ws,
        {
          actor: userActor(actor),
          action: 'person.merged',
          target: { type: 'person', id: survivorId },
          details: { survivorId, mergedId, mergeId, fields, moved, dropped },
        },
        now,
      );
      const [row] = await tx
        .select()
        .from(people)
        .where(and(eq(people.workspaceId, ws), eq(people.personId, survivorId)));
      if (!row) throw notFound('The person');
      const [person] = await presentPeople(tx, actor, [row]);
      if (!person) throw notFound('The person');
      return { mergeId, person, moved };
    });
  } catch (err) {
    // A clash the generic merge cannot reconcile (a partial or expression unique index):
    // nothing was written (one transaction); say which constraint.
    const code =
      (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === '23505') {
      throw new AppError(
        'merge_conflict',
        409,
        'The two people cannot be merged automatically: a unique value clashes.',
      );
    }
    throw err;
  }
}
