import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import {
  companies,
  deals,
  interactionCompanies,
  interactionDeals,
  interactionPeople,
  noteCompanies,
  noteDeals,
  notePeople,
  people,
} from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { assertLinkChangeAllowed } from '../../privacy/restriction/restriction.service.ts';
import { visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/**
 * The links of notes and interactions to people, companies and deals: one table per kind
 * of record (real foreign keys), each with a copy of the item's time for the timeline index.
 * A link is shown, and can be made, only to a live record the caller can see; a member who
 * replaces a list keeps the links to records they cannot see (they must not drop what they
 * cannot see, as with a deal's people).
 */

export type RecordKind = 'person' | 'company' | 'deal';
export const RECORD_KINDS: readonly RecordKind[] = ['person', 'company', 'deal'];
export type LinkIds = { personIds: string[]; companyIds: string[]; dealIds: string[] };
export const LIST_OF: Record<RecordKind, keyof LinkIds> = {
  person: 'personIds',
  company: 'companyIds',
  deal: 'dealIds',
};

type RecordTable = {
  table: typeof people | typeof companies | typeof deals;
  workspaceId: AnyPgColumn;
  id: AnyPgColumn;
  deletedAt: AnyPgColumn;
  what: string;
};

export const RECORDS: Record<RecordKind, RecordTable> = {
  person: {
    table: people,
    workspaceId: people.workspaceId,
    id: people.personId,
    deletedAt: people.deletedAt,
    what: 'The person',
  },
  company: {
    table: companies,
    workspaceId: companies.workspaceId,
    id: companies.companyId,
    deletedAt: companies.deletedAt,
    what: 'The company',
  },
  deal: {
    table: deals,
    workspaceId: deals.workspaceId,
    id: deals.dealId,
    deletedAt: deals.deletedAt,
    what: 'The deal',
  },
};

export type LinkTable = {
  table: PgTable;
  workspaceId: AnyPgColumn;
  itemId: AnyPgColumn;
  recordId: AnyPgColumn;
  occurredAt: AnyPgColumn;
};

export type ItemKind = 'note' | 'interaction';

export const LINKS: Record<ItemKind, Record<RecordKind, LinkTable>> = {
  note: {
    person: {
      table: notePeople,
      workspaceId: notePeople.workspaceId,
      itemId: notePeople.noteId,
      recordId: notePeople.personId,
      occurredAt: notePeople.occurredAt,
    },
    company: {
      table: noteCompanies,
      workspaceId: noteCompanies.workspaceId,
      itemId: noteCompanies.noteId,
      recordId: noteCompanies.companyId,
      occurredAt: noteCompanies.occurredAt,
    },
    deal: {
      table: noteDeals,
      workspaceId: noteDeals.workspaceId,
      itemId: noteDeals.noteId,
      recordId: noteDeals.dealId,
      occurredAt: noteDeals.occurredAt,
    },
  },
  interaction: {
    person: {
      table: interactionPeople,
      workspaceId: interactionPeople.workspaceId,
      itemId: interactionPeople.interactionId,
      recordId: interactionPeople.personId,
      occurredAt: interactionPeople.occurredAt,
    },
    company: {
      table: interactionCompanies,
      workspaceId: interactionCompanies.workspaceId,
      itemId: interactionCompanies.interactionId,
      recordId: interactionCompanies.companyId,
      occurredAt: interactionCompanies.occurredAt,
    },
    deal: {
      table: interactionDeals,
      workspaceId: interactionDeals.workspaceId,
      itemId: interactionDeals.interactionId,
      recordId: interactionDeals.dealId,
      occurredAt: interactionDeals.occurredAt,
    },
  },
};

/** "Live and visible to the actor" for a record of `kind`, as a condition on its table. */
export function recordVisible(actor: Actor, kind: RecordKind): SQL {
  const r = RECORDS[kind];
  return sql`(${r.deletedAt} is null and ${visibleTo(actor, r.table) ?? sql`true`})`;
}

/** 404 unless every id is a live record of `kind` the actor can see. */
export async function assertRecordsVisible(tx: Tx, actor: Actor, kind: RecordKind, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const r = RECORDS[kind];
  const found = await tx
    .select({ id: r.id })
    .from(r.table)
    .where(and(eq(r.workspaceId, actor.workspaceId), inArray(r.id, ids), recordVisible(actor, kind)));
  if (found.length !== ids.length) throw notFound(r.what);
}

/** The visible, live linked records of each item, in one query per kind of record. */
export async function loadLinks(tx: Tx, actor: Actor, item: ItemKind, ids: string[]): Promise<Map<string, LinkIds>> {
  const out = new Map<string, LinkIds>();
  for (const id of ids) out.set(id, { personIds: [], companyIds: [], dealIds: [] });
  if (ids.length === 0) return out;
  for (const kind of RECORD_KINDS) {
    const l = LINKS[item][kind];
    const r = RECORDS[kind];
    const rows = await tx
      .select({ itemId: l.itemId, recordId: l.recordId })
      .from(l.table)
      .innerJoin(r.table, and(eq(r.workspaceId, l.workspaceId), eq(r.id, l.recordId)))
      .where(and(eq(l.workspaceId, actor.workspaceId), inArray(l.itemId, ids), recordVisible(actor, kind)))
      .orderBy(l.itemId, l.recordId);
    for (const row of rows as { itemId: string; recordId: string }[])
      out.get(row.itemId)?.[LIST_OF[kind]].push(row.recordId);
  }
  return out;
}

/** Links of an item to records the actor cannot see (or that are in the trash): kept on a replace. */
async function hiddenLinks(tx: Tx, actor: Actor, item: ItemKind, kind: RecordKind, itemId: string): Promise<string[]> {
  const l = LINKS[item][kind];
  const r = RECORDS[kind];
  const rows = await tx
    .select({ recordId: l.recordId })
    .from(l.table)
    .innerJoin(r.table, and(eq(r.workspaceId, l.workspaceId), eq(r.id, l.recordId)))
    .where(and(eq(l.workspaceId, actor.workspaceId), eq(l.itemId, itemId), sql`not ${recordVisible(actor, kind)}`));
  return (rows as { recordId: string }[]).map((x) => x.recordId);
}

/**
 * Writes the links of a new item (`replace` false) or replaces the lists given (`replace`
 * true; lists left undefined stay). Checks each new record is visible. Returns how many
 * links the item has afterwards, visible or not, so the caller can refuse an item about nothing.
 */
export async function writeLinks(
  tx: Tx,
  actor: Actor,
  item: ItemKind,
  itemId: string,
  occurredAt: Date,
  input: Partial<LinkIds>,
): Promise<number> {
  const ws = actor.workspaceId;
  let total = 0;
  for (const kind of RECORD_KINDS) {
    const l = LINKS[item][kind];
    const wanted = input[LIST_OF[kind]];
    if (wanted === undefined) {
      const [c] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(l.table)
        .where(and(eq(l.workspaceId, ws), eq(l.itemId, itemId)));
      total += c?.n ?? 0;
      continue;
    }
    await assertRecordsVisible(tx, actor, kind, wanted);
    const keep = (await hiddenLinks(tx, actor, item, kind, itemId)).filter((id) => !wanted.includes(id));
    if (kind === 'person') {
      // P-DSR-2: no link added to or removed from a person whose processing is restricted.
      const before = await tx
        .select({ id: l.recordId })
        .from(l.table)
        .where(and(eq(l.workspaceId, ws), eq(l.itemId, itemId)));
      await assertLinkChangeAllowed(
        tx,
        ws,
        before.map((b) => String(b.id)),
        [...wanted, ...keep],
      );
    }
    await tx.delete(l.table).where(and(eq(l.workspaceId, ws), eq(l.itemId, itemId)));
    const all = [...wanted, ...keep];
    if (all.length) {
      await tx.insert(l.table).values(
        all.map((recordId) => ({
          [columnKey(l.workspaceId)]: ws,
          [columnKey(l.itemId)]: itemId,
          [columnKey(l.recordId)]: recordId,
          [columnKey(l.occurredAt)]: occurredAt,
        })),
      );
    }
    total += all.length;
  }
  return total;
}

/** The property name drizzle knows a column by, from the column object. */
function columnKey(col: AnyPgColumn): string {
  const table = col.table as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(table)) if (v === col) return k;
  throw new Error(`no key for column ${col.name}`);
}

/** Moves an item's time on every link (an interaction's occurred_at was changed). */
export async function retimeLinks(tx: Tx, actor: Actor, item: ItemKind, itemId: string, occurredAt: Date) {
  for (const kind of RECORD_KINDS) {
    const l = LINKS[item][kind];
    await tx
      .update(l.table)
      .set({ [columnKey(l.occurredAt)]: occurredAt })
      .where(and(eq(l.workspaceId, actor.workspaceId), eq(l.itemId, itemId)));
  }
}

export function requireSomeLink(total: number): void {
  if (total === 0) throw validationFailed({ personIds: 'give at least one person, company or deal' });
}
