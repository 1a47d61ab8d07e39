import type { TNote, TTrashItem, ZCreateNoteBody, ZUpdateNoteBody } from '@tillit/contracts';
import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { notes } from '../../db/schema/index.ts';
import { notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { userActor } from '../deals/pipelines.service.ts';
import { assertCanWrite, effectiveVisibility, resolveVisibility, visibleTo } from '../people/people.policy.ts';
import { presentTrashItem } from '../people/people.presenter.ts';
import { inTenant } from '../people/people.service.ts';
import { emitRecordEvent } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { sanitiseNoteHtml } from './note-html.sanitiser.ts';
import { loadLinks, requireSomeLink, writeLinks } from './timeline.links.ts';

export type CreateNoteInput = z.output<typeof ZCreateNoteBody>;
export type UpdateNoteInput = z.output<typeof ZUpdateNoteBody>;
type NoteRow = typeof notes.$inferSelect;

/** The author is the note's owner for visibility (people.policy). */
export const noteAccess = { ownerId: notes.authorId, visibility: notes.visibility, teamId: notes.teamId };

export async function presentNotes(tx: Tx, actor: Actor, rows: NoteRow[]): Promise<TNote[]> {
  const links = await loadLinks(
    tx,
    actor,
    'note',
    rows.map((r) => r.noteId),
  );
  return rows.map((r) => ({
    id: r.noteId,
    bodyHtml: r.bodyHtml,
    bodyText: r.bodyText,
    authorId: r.authorId,
    ...(links.get(r.noteId) ?? { personIds: [], companyIds: [], dealIds: [] }),
    ...effectiveVisibility(r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  }));
}

/** Notes by id that the actor can see and that are live, in no particular order. */
export async function loadVisibleNotes(tx: Tx, actor: Actor, ids: string[]): Promise<NoteRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(notes)
    .where(
      and(
        eq(notes.workspaceId, actor.workspaceId),
        inArray(notes.noteId, ids),
        isNull(notes.deletedAt),
        visibleTo(actor, noteAccess),
      ),
    );
}

async function findNote(tx: Tx, actor: Actor, noteId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(notes)
    .where(
      and(
        eq(notes.workspaceId, actor.workspaceId),
        eq(notes.noteId, noteId),
        opts.deleted ? isNotNull(notes.deletedAt) : isNull(notes.deletedAt),
        visibleTo(actor, noteAccess),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The note');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, noteId: string): Promise<TNote> {
  const [row] = await tx
    .select()
    .from(notes)
    .where(and(eq(notes.workspaceId, actor.workspaceId), eq(notes.noteId, noteId)));
  if (!row) throw notFound('The note');
  return (await presentNotes(tx, actor, [row]))[0] as TNote;
}

function clean(bodyHtml: string) {
  const body = sanitiseNoteHtml(bodyHtml);
  if (!body.text) throw validationFailed({ bodyHtml: 'must not be empty' });
  return body;
}

export async function getNote(services: Services, actor: Actor, noteId: string): Promise<TNote> {
  return inTenant(
    services,
    actor,
    async (tx) => (await presentNotes(tx, actor, [await findNote(tx, actor, noteId)]))[0] as TNote,
  );
}

/** P-CRM-9: a note about one or more people, companies and deals; the body is sanitised here. */
export async function createNote(services: Services, actor: Actor, input: CreateNoteInput): Promise<TNote> {
  assertCanWrite(actor);
  const body = clean(input.bodyHtml);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const vis = await resolveVisibility(tx, actor, input);
    const noteId = newId(now.getTime());
    await tx.insert(notes).values({
      workspaceId: ws,
      noteId,
      authorId: actor.userId,
      bodyHtml: body.html,
      bodyText: body.text,
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    requireSomeLink(await writeLinks(tx, actor, 'note', noteId, now, input));
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'note.created',
        target: { type: 'note', id: noteId },
        details: {
          people: input.personIds.length,
          companies: input.companyIds.length,
          deals: input.dealIds.length,
          visibility: vis.visibility,
        },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'note.created', presentOne(tx, actor, noteId));
  });
}

export async function updateNote(
  services: Services,
  actor: Actor,
  noteId: string,
  input: UpdateNoteInput,
): Promise<TNote> {
  assertCanWrite(actor);
  const body = input.bodyHtml !== undefined ? clean(input.bodyHtml) : undefined;
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const row = await findNote(tx, actor, noteId, { lock: true });
    const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
    const changes: Partial<typeof notes.$inferInsert> = { updatedAt: now, ...vis };
    if (body) {
      changes.bodyHtml = body.html;
      changes.bodyText = body.text;
    }
    await tx
      .update(notes)
      .set(changes)
      .where(and(eq(notes.workspaceId, ws), eq(notes.noteId, noteId)));
    if (input.personIds || input.companyIds || input.dealIds)
      // A note keeps the time it was written: its links keep created_at.
      requireSomeLink(await writeLinks(tx, actor, 'note', noteId, row.createdAt, input));
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'note.updated',
        target: { type: 'note', id: noteId },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'note.updated', presentOne(tx, actor, noteId));
  });
}

/** The name a note has in the trash: the start of its text. */
export const noteTrashName = (text: string) => (text.length > 80 ? `${text.slice(0, 79)}…` : text).replace(/\s+/g, ' ');

/** To the shared trash (P-ACC-4): restorable for 30 days, then purged. */
export async function deleteNote(services: Services, actor: Actor, noteId: string): Promise<TTrashItem> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findNote(tx, actor, noteId, { lock: true });
    await tx
      .update(notes)
      .set({ deletedAt: now })
      .where(and(eq(notes.workspaceId, actor.workspaceId), eq(notes.noteId, noteId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'note.deleted', target: { type: 'note', id: noteId } },
      now,
    );
    return emitRecordEvent(
      tx,
      now,
      actor.workspaceId,
      'note.deleted',
      presentTrashItem('note', noteId, noteTrashName(row.bodyText), now),
    );
  });
}

export async function restoreNote(services: Services, actor: Actor, noteId: string): Promise<TNote> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findNote(tx, actor, noteId, { lock: true, deleted: true });
    await tx
      .update(notes)
      .set({ deletedAt: null })
      .where(and(eq(notes.workspaceId, actor.workspaceId), eq(notes.noteId, noteId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'note.restored', target: { type: 'note', id: noteId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'note.restored', presentOne(tx, actor, noteId));
  });
}
