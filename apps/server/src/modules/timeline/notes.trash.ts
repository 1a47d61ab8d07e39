import { and, eq, isNotNull, lte, type SQL, sql } from 'drizzle-orm';
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
 * Notes in the shared trash (`people/trash.service.ts` calls these): a branch of its list,
 * and the purge. Restoring is `POST /api/v1/trash/note/:id/restore` (timeline.routes.ts).
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

export async function hasNotesToPurge(tx: Tx, workspaceId: string, cutoff: Date): Promise<boolean> {
  const [n] = await tx
    .select({ id: notes.noteId })
    .from(notes)
    .where(and(eq(notes.workspaceId, workspaceId), isNotNull(notes.deletedAt), lte(notes.deletedAt, cutoff)))
    .limit(1);
  return Boolean(n);
}

const BATCH = 500;

async function deleteInBatches(tx: Tx, statement: () => SQL): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await tx.execute(statement());
    const n = (r as unknown as { rows: unknown[] }).rows.length;
    total += n;
    if (n < BATCH) return total;
  }
}

/**
 * P-ACC-4 for notes: those deleted before `cutoff` go for good, with their links. Then the
 * notes and interactions that the purge of people, companies and deals left about nobody (their
 * links went with those records): what was said about a purged person must not outlive them.
 * Run after the records' purge, in the same transaction.
 */
export async function purgeNotesIn(
  tx: Tx,
  workspaceId: string,
  cutoff: Date,
): Promise<{ notes: number; interactions: number }> {
  const ws = workspaceId;
  const deleted = await deleteInBatches(
    tx,
    () => sql`delete from ${notes} where ${notes.workspaceId} = ${ws} and ${notes.noteId} in (
      select note_id from notes where workspace_id = ${ws} and deleted_at is not null and deleted_at <= ${cutoff.toISOString()}::timestamptz limit ${BATCH})
    returning note_id`,
  );
  const orphanNotes = await deleteInBatches(
    tx,
    () => sql`delete from ${notes} where ${notes.workspaceId} = ${ws} and ${notes.noteId} in (
      select n.note_id from notes n where n.workspace_id = ${ws}
        and not exists (select 1 from ${notePeople} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
        and not exists (select 1 from ${noteCompanies} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
        and not exists (select 1 from ${noteDeals} l where l.workspace_id = ${ws} and l.note_id = n.note_id)
      limit ${BATCH})
    returning note_id`,
  );
  const orphanInteractions = await deleteInBatches(
    tx,
    () => sql`delete from ${interactions} where ${interactions.workspaceId} = ${ws} and ${interactions.interactionId} in (
      select i.interaction_id from interactions i where i.workspace_id = ${ws}
        and not exists (select 1 from ${interactionPeople} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
        and not exists (select 1 from ${interactionCompanies} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
        and not exists (select 1 from ${interactionDeals} l where l.workspace_id = ${ws} and l.interaction_id = i.interaction_id)
      limit ${BATCH})
    returning interaction_id`,
  );
  return { notes: deleted + orphanNotes, interactions: orphanInteractions };
}
