import type { TFileRecordKind } from '@tillit/contracts';
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { companies, deals, files, people } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/**
 * The records files attach to, by kind. A file is seen by whoever sees its record, and
 * changed by whoever may write it, so every check here goes through the record's own
 * visibility (`visibleTo`). A new kind (task, project, note) is one entry in `RECORDS`.
 */
const RECORDS = {
  person: { table: people, id: people.personId, workspaceId: people.workspaceId, deletedAt: people.deletedAt },
  company: {
    table: companies,
    id: companies.companyId,
    workspaceId: companies.workspaceId,
    deletedAt: companies.deletedAt,
  },
  deal: { table: deals, id: deals.dealId, workspaceId: deals.workspaceId, deletedAt: deals.deletedAt },
} as const;

const LABEL: Record<TFileRecordKind, string> = { person: 'The person', company: 'The company', deal: 'The deal' };

/** The record, live and visible to the actor (404 otherwise); `lock` holds it (share) until
 *  the transaction ends, so it cannot go to the trash while a file is attached to it. */
export async function assertRecordVisible(
  tx: Tx,
  actor: Actor,
  kind: TFileRecordKind,
  recordId: string,
  opts: { lock?: boolean; includeDeleted?: boolean } = {},
): Promise<{ deleted: boolean }> {
  const r = RECORDS[kind];
  const q = tx
    .select({ id: r.id, deletedAt: r.deletedAt })
    .from(r.table)
    .where(
      and(
        eq(r.workspaceId, actor.workspaceId),
        eq(r.id, recordId),
        opts.includeDeleted ? undefined : isNull(r.deletedAt),
        visibleTo(actor, r.table),
      ),
    );
  const [row] = opts.lock ? await q.for('share') : await q;
  if (!row) throw notFound(LABEL[kind]);
  return { deleted: row.deletedAt !== null };
}

/** SQL true for a row of `files` whose record the actor can see (live records only, unless
 *  `includeDeleted`). Used by lists that span records (the trash). */
export function fileRecordVisible(actor: Actor, opts: { includeDeleted?: boolean } = {}): SQL {
  const branch = (kind: TFileRecordKind) => {
    const r = RECORDS[kind];
    const vis = visibleTo(actor, r.table) ?? sql`true`;
    const live = opts.includeDeleted ? sql`true` : sql`${r.deletedAt} is null`;
    return sql`exists (select 1 from ${r.table} where ${r.workspaceId} = ${files.workspaceId} and ${r.id} = ${files.recordId} and ${live} and ${vis})`;
  };
  return sql`(case ${files.recordKind} when 'person' then ${branch('person')} when 'company' then ${branch('company')} when 'deal' then ${branch('deal')} else false end)`;
}
