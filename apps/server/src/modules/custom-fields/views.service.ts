import type {
  TCustomFieldObject,
  TSavedView,
  TViewFilter,
  TViewSort,
  ZCreateSavedViewBody,
  ZUpdateSavedViewBody,
} from '@tillit/contracts';
import { COMPANY_SORTS, DEAL_SORTS, PERSON_SORTS } from '@tillit/contracts';
import { and, asc, eq, or } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { savedViews } from '../../db/schema/index.ts';
import { forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { fieldsByKey, isKnownField } from './table-query.ts';

export type CreateViewInput = z.output<typeof ZCreateSavedViewBody>;
export type UpdateViewInput = z.output<typeof ZUpdateSavedViewBody>;
type ViewRow = typeof savedViews.$inferSelect;

/** Built-in sorts of each list, as its list query takes them (custom fields sort as `cf.<key>`). */
const BUILTIN_SORTS: Record<TCustomFieldObject, readonly string[]> = {
  person: PERSON_SORTS,
  company: COMPANY_SORTS,
  deal: DEAL_SORTS,
};

/** Columns a table shows that are not filter fields (lists, links, display names). */
const DISPLAY_COLUMNS: Record<TCustomFieldObject, readonly string[]> = {
  person: ['email', 'emails', 'phone', 'phones', 'companies', 'tags', 'categories', 'subjectCategories', 'owner'],
  company: ['tags', 'address', 'owner'],
  deal: ['stage', 'company', 'people', 'owner', 'probability'],
};

function presentView(r: ViewRow): TSavedView {
  return {
    id: r.viewId,
    object: r.object,
    name: r.name,
    columns: r.columns,
    filters: r.filters as TViewFilter[],
    sort: r.sort as TViewSort | null,
    shared: r.shared,
    ownerId: r.ownerId,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** Columns, filters and sort must name fields of the object (422 naming the part). */
async function checkView(
  tx: Tx,
  ws: string,
  object: TCustomFieldObject,
  v: { columns?: string[] | undefined; filters?: TViewFilter[] | undefined; sort?: TViewSort | null | undefined },
) {
  const fields = await fieldsByKey(tx, ws, object);
  const problems: Record<string, string> = {};
  v.columns?.forEach((c, i) => {
    if (!isKnownField(object, c, fields) && !DISPLAY_COLUMNS[object].includes(c))
      problems[`columns.${i}`] = `is not a column of this list: ${c}`;
  });
  v.filters?.forEach((f, i) => {
    if (!isKnownField(object, f.field, fields))
      problems[`filters.${i}.field`] = `is not a field of this list: ${f.field}`;
  });
  if (v.sort) {
    const ok = v.sort.field.startsWith('cf.')
      ? fields.has(v.sort.field.slice(3))
      : BUILTIN_SORTS[object].includes(v.sort.field);
    if (!ok)
      problems['sort.field'] = `cannot sort by ${v.sort.field}: use ${BUILTIN_SORTS[object].join(', ')} or cf.<key>`;
  }
  if (Object.keys(problems).length) throw validationFailed(problems);
}

/** Mine, and the shared ones; by name. */
export async function listViews(
  services: Services,
  actor: Actor,
  object: TCustomFieldObject,
): Promise<{ items: TSavedView[] }> {
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(savedViews)
      .where(
        and(
          eq(savedViews.workspaceId, actor.workspaceId),
          eq(savedViews.object, object),
          or(eq(savedViews.shared, true), eq(savedViews.ownerId, actor.userId)),
        ),
      )
      .orderBy(asc(savedViews.name), asc(savedViews.viewId));
    return { items: rows.map(presentView) };
  });
}

const canShare = (actor: Actor) => actor.role !== 'viewer';
const isAdmin = (actor: Actor) => actor.role === 'admin' || actor.role === 'owner';

export async function createView(services: Services, actor: Actor, input: CreateViewInput): Promise<TSavedView> {
  if (input.shared && !canShare(actor)) throw forbidden('Viewers may save views for themselves only.');
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await checkView(tx, actor.workspaceId, input.object, input);
    const viewId = newId(now.getTime());
    const [row] = await tx
      .insert(savedViews)
      .values({
        workspaceId: actor.workspaceId,
        viewId,
        object: input.object,
        name: input.name,
        ownerId: actor.userId,
        shared: input.shared,
        columns: input.columns,
        filters: input.filters,
        sort: input.sort,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'view.created',
        target: { type: 'view', id: viewId },
        details: { object: input.object, shared: input.shared },
      },
      now,
    );
    return presentView(row as ViewRow);
  });
}

/** A view the actor may change: their own, or a shared one when admin. A private view of
 *  someone else is 404, like a missing one; a shared one they may not change is 403. */
async function findWritable(tx: Tx, actor: Actor, viewId: string): Promise<ViewRow> {
  const [row] = await tx
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.workspaceId, actor.workspaceId), eq(savedViews.viewId, viewId)))
    .for('update');
  if (!row || (!row.shared && row.ownerId !== actor.userId)) throw notFound('The view');
  if (row.ownerId !== actor.userId && !isAdmin(actor))
    throw forbidden('Only its owner and admins may change a shared view.');
  return row;
}

export async function updateView(
  services: Services,
  actor: Actor,
  viewId: string,
  input: UpdateViewInput,
): Promise<TSavedView> {
  if (input.shared && !canShare(actor)) throw forbidden('Viewers may save views for themselves only.');
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findWritable(tx, actor, viewId);
    await checkView(tx, actor.workspaceId, row.object, input);
    const changes: Partial<typeof savedViews.$inferInsert> = { updatedAt: now };
    if (input.name !== undefined) changes.name = input.name;
    if (input.columns !== undefined) changes.columns = input.columns;
    if (input.filters !== undefined) changes.filters = input.filters;
    if (input.sort !== undefined) changes.sort = input.sort;
    if (input.shared !== undefined) changes.shared = input.shared;
    const [updated] = await tx
      .update(savedViews)
      .set(changes)
      .where(and(eq(savedViews.workspaceId, actor.workspaceId), eq(savedViews.viewId, viewId)))
      .returning();
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'view.updated',
        target: { type: 'view', id: viewId },
        details: { fields: Object.keys(input).sort() },
      },
      now,
    );
    return presentView(updated as ViewRow);
  });
}

export async function deleteView(services: Services, actor: Actor, viewId: string): Promise<void> {
  const now = services.clock.now();
  await inTenant(services, actor, async (tx) => {
    await findWritable(tx, actor, viewId);
    await tx
      .delete(savedViews)
      .where(and(eq(savedViews.workspaceId, actor.workspaceId), eq(savedViews.viewId, viewId)));
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: { kind: 'user', id: actor.userId }, action: 'view.deleted', target: { type: 'view', id: viewId } },
      now,
    );
  });
}
