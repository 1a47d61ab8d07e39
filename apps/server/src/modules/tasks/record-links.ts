import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/client.ts';
import { companies, deals, people } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { assertLinkChangeAllowed } from '../../privacy/restriction/restriction.service.ts';
import { visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/**
 * Links from a task or a project to people, companies and deals: one table per kind of
 * record, `(workspace_id, <owner id>, <record id>)`. Shared by tasks and projects so both
 * apply the same rule as deals: a record is linked only when live and visible to the caller
 * (404 otherwise); responses list only the linked records the caller can see; replacing a
 * list keeps the links to records the caller cannot see.
 */
export type LinkTarget = 'person' | 'company' | 'deal';

export type LinkTable = {
  table: PgTable;
  workspaceId: AnyPgColumn;
  ownerId: AnyPgColumn;
  recordId: AnyPgColumn;
};

const TARGETS = {
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
} as const;

/** The condition "this record is live and `actor` may see it" for a target kind. */
export function liveAndVisible(actor: Actor, kind: LinkTarget): SQL {
  const t = TARGETS[kind];
  return sql`(${t.deletedAt} is null and ${visibleTo(actor, t.table) ?? sql`true`})`;
}

/** Every id must be a live record the caller can see; 404 naming the kind otherwise. */
export async function assertRecordsVisible(tx: Tx, actor: Actor, kind: LinkTarget, ids: string[] | undefined) {
  if (!ids?.length) return;
  const t = TARGETS[kind];
  const found = await tx
    .select({ id: t.id })
    .from(t.table)
    .where(
      and(eq(t.workspaceId, actor.workspaceId), inArray(t.id, ids), isNull(t.deletedAt), visibleTo(actor, t.table)),
    );
  if (found.length !== ids.length) throw notFound(t.what);
}

/** For a page of owners (tasks or projects): the linked records the caller can see, by owner id. */
export async function visibleLinks(
  tx: Tx,
  actor: Actor,
  link: LinkTable,
  kind: LinkTarget,
  ownerIds: string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ownerIds.length === 0) return out;
  const t = TARGETS[kind];
  const rows = await tx
    .select({ ownerId: sql<string>`${link.ownerId}`, recordId: sql<string>`${link.recordId}` })
    .from(link.table)
    .innerJoin(t.table, and(eq(t.workspaceId, link.workspaceId), eq(t.id, link.recordId)))
    .where(and(eq(link.workspaceId, actor.workspaceId), inArray(link.ownerId, ownerIds), liveAndVisible(actor, kind)))
    .orderBy(link.ownerId, link.recordId);
  for (const r of rows) {
    const list = out.get(r.ownerId);
    if (list) list.push(r.recordId);
    else out.set(r.ownerId, [r.recordId]);
  }
  return out;
}

/** Replaces the links of one owner with `ids`, keeping those to records the caller cannot see. */
export async function replaceLinks(
  tx: Tx,
  actor: Actor,
  link: LinkTable,
  kind: LinkTarget,
  ownerId: string,
  ids: string[],
  fresh = false,
): Promise<void> {
  const ws = actor.workspaceId;
  const t = TARGETS[kind];
  let keep: string[] = [];
  if (!fresh) {
    const hidden = await tx
      .select({ id: sql<string>`${link.recordId}` })
      .from(link.table)
      .innerJoin(t.table, and(eq(t.workspaceId, link.workspaceId), eq(t.id, link.recordId)))
      .where(and(eq(link.workspaceId, ws), eq(link.ownerId, ownerId), sql`not ${liveAndVisible(actor, kind)}`));
    keep = hidden.map((h) => h.id).filter((id) => !ids.includes(id));
    if (kind === 'person') {
      // P-DSR-2: no link added to or removed from a person whose processing is restricted.
      const before = await tx
        .select({ id: sql<string>`${link.recordId}` })
        .from(link.table)
        .where(and(eq(link.workspaceId, ws), eq(link.ownerId, ownerId)));
      await assertLinkChangeAllowed(
        tx,
        ws,
        before.map((b) => b.id),
        [...ids, ...keep],
      );
    }
    await tx.delete(link.table).where(and(eq(link.workspaceId, ws), eq(link.ownerId, ownerId)));
  }
  const all = [...ids, ...keep];
  if (fresh && kind === 'person') await assertLinkChangeAllowed(tx, ws, [], all); // P-DSR-2
  if (all.length === 0) return;
  await tx.execute(
    sql`insert into ${link.table} (${sql.identifier(link.workspaceId.name)}, ${sql.identifier(link.ownerId.name)}, ${sql.identifier(link.recordId.name)})
        values ${sql.join(
          all.map((id) => sql`(${ws}::uuid, ${ownerId}::uuid, ${id}::uuid)`),
          sql`, `,
        )} on conflict do nothing`,
  );
}
