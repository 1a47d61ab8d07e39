import { type SQL, sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import {
  interactionCompanies,
  interactionDeals,
  interactionPeople,
  interactions,
  noteCompanies,
  noteDeals,
  notePeople,
  notes,
} from '../../db/schema/index.ts';
import { visibleTo } from '../people/people.policy.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { noteAccess } from './notes.service.ts';

/**
 * Notes in the shared trash (`people/trash.service.ts` calls these): a branch of its list;
 * the purge is the retention trash rule's (`privacy/retention/retention.trash-batch.ts`). Restoring is `POST /api/v1/trash/note/:id/restore` (timeline.routes.ts).
 */

/** The trash list's branch for notes (kind, id, name, deleted_at), with the note's visibility. */
export function noteTrashBranch(actor: Actor): SQL {
  const vis = visibleTo(actor, noteAccess) ?? sql`true`;
  // The name is the start of the text, on one line (as noteTrashName does).
  return sql`select 'note' as kind, ${notes.noteId} as id,
      case when length(${notes.bodyText}) > 80 then substr(regexp_replace(${notes.bodyText}, '\\s+', ' ', 'g'), 1, 79) || '…'
           else regexp_replace(${notes.bodyText}, '\\s+', ' ', 'g') end as name,
      ${notes.deletedAt} as deleted_at
    from ${notes} where ${notes.workspaceId} = ${actor.workspaceId} and ${notes.deletedAt} is not null and ${vis}`;
}

const rowsOf = <R>(r: unknown): R[] => (r as { rows: R[] }).rows;

export type TimelineRecordKind = 'person' | 'company' | 'deal';
const LINKS = {
  person: { notes: 'note_people', interactions: 'interaction_people', column: 'person_id' },
  company: { notes: 'note_companies', interactions: 'interaction_companies', column: 'company_id' },
  deal: { notes: 'note_deals', interactions: 'interaction_deals', column: 'deal_id' },
} as const;

export type LinkedTimeline = { noteIds: string[]; interactionIds: string[] };

/** The notes and interactions about these records: read it BEFORE the records are deleted
 *  (their links go with them by cascade), then `purgeOrphanedTimeline` after. */
export async function timelineLinkedTo(
  tx: Tx,
  workspaceId: string,
  kind: TimelineRecordKind,
  ids: readonly string[],
): Promise<LinkedTimeline> {
  if (ids.length === 0) return { noteIds: [], interactionIds: [] };
  const l = LINKS[kind];
  const list = arrayParam(ids);
  const n = await tx.execute(sql`select distinct note_id::text as id from ${sql.raw(l.notes)}
      where workspace_id = ${workspaceId} and ${sql.raw(l.column)} = any(${list}::uuid[])`);
  const i = await tx.execute(sql`select distinct interaction_id::text as id from ${sql.raw(l.interactions)}
      where workspace_id = ${workspaceId} and ${sql.raw(l.column)} = any(${list}::uuid[])`);
  return {
    noteIds: rowsOf<{ id: string }>(n).map((r) => r.id),
    interactionIds: rowsOf<{ id: string }>(i).map((r) => r.id),
  };
}

/**
 * Of the given notes and interactions, deletes those that concern nobody any more (no link
 * to a person, company or deal left): what was said about a purged record must not outlive
 * it. Only the given ids are looked at, so the cost follows the purged records' timelines,
 * not the size of the workspace's timeline.
 */
export async function purgeOrphanedTimeline(
  tx: Tx,
  workspaceId: string,
  linked: LinkedTimeline,
): Promise<{ notes: number; interactions: number }> {
  const ws = workspaceId;
  let removedNotes = 0;
  let removedInteractions = 0;
  for (let at = 0; at < linked.noteIds.length; at += 5000) {
    const list = arrayParam(linked.noteIds.slice(at, at + 5000));
    const r =
      await tx.execute(sql`delete from ${notes} n where n.workspace_id = ${ws} and n.note_id = any(${list}::uuid[])
        and not exists (select 1 from ${notePeople} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
        and not exists (select 1 from ${noteCompanies} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
        and not exists (select 1 from ${noteDeals} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
      returning n.note_id`);
    removedNotes += rowsOf(r).length;
  }
  for (let at = 0; at < linked.interactionIds.length; at += 5000) {
    const list = arrayParam(linked.interactionIds.slice(at, at + 5000));
    const r =
      await tx.execute(sql`delete from ${interactions} i where i.workspace_id = ${ws} and i.interaction_id = any(${list}::uuid[])
        and not exists (select 1 from ${interactionPeople} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
        and not exists (select 1 from ${interactionCompanies} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
        and not exists (select 1 from ${interactionDeals} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
      returning i.interaction_id`);
    removedInteractions += rowsOf(r).length;
  }
  return { notes: removedNotes, interactions: removedInteractions };
}

/**
 * Deletes the records `pick` selects (at most its LIMIT; `select <id> as id ...`), and with
 * them the notes and interactions that were only about them. Returns the ids deleted.
 */
export async function deleteWithTimeline(
  tx: Tx,
  workspaceId: string,
  kind: TimelineRecordKind,
  pick: SQL,
): Promise<{ ids: string[]; notes: number; interactions: number }> {
  const ids = rowsOf<{ id: string }>(await tx.execute(pick)).map((r) => String(r.id));
  if (ids.length === 0) return { ids, notes: 0, interactions: 0 };
  const linked = await timelineLinkedTo(tx, workspaceId, kind, ids);
  const table = { person: 'people', company: 'companies', deal: 'deals' }[kind];
  await tx.execute(sql`delete from ${sql.raw(table)} where workspace_id = ${workspaceId}
      and ${sql.raw(LINKS[kind].column)} = any(${arrayParam(ids)}::uuid[])`);
  const orphans = await purgeOrphanedTimeline(tx, workspaceId, linked);
  return { ids, ...orphans };
}
