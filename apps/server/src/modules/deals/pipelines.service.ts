import type { TPipeline, TPipelineList, TStage, ZCreatePipelineBody, ZUpdatePipelineBody } from '@tillit/contracts';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { deals, pipelineStages, pipelines } from '../../db/schema/index.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { conflict, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

export type CreatePipelineInput = z.output<typeof ZCreatePipelineBody>;
export type UpdatePipelineInput = z.output<typeof ZUpdatePipelineBody>;
type StageInput = NonNullable<CreatePipelineInput['stages']>[number];
type StageRow = typeof pipelineStages.$inferSelect;
type PipelineRow = typeof pipelines.$inferSelect;

export const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

export const DEFAULT_PIPELINE_NAME = 'Sales';
export const DEFAULT_STAGES: StageInput[] = [
  { name: 'Lead', kind: 'open', probability: 10 },
  { name: 'Qualified', kind: 'open', probability: 25 },
  { name: 'Proposal', kind: 'open', probability: 50 },
  { name: 'Negotiation', kind: 'open', probability: 75 },
  { name: 'Won', kind: 'won', probability: 100 },
  { name: 'Lost', kind: 'lost', probability: 0 },
];

const defaultProbability = (kind: TStage['kind']) => (kind === 'won' ? 100 : kind === 'lost' ? 0 : 10);

export function assertAdmin(actor: Actor): void {
  if (!roleAtLeast(actor.role, 'admin')) throw forbidden('Changing pipelines needs the admin role or higher.');
}

export function presentStage(s: StageRow): TStage {
  return { id: s.stageId, name: s.name, position: s.position, kind: s.kind, probability: s.probability };
}

export function presentPipeline(p: PipelineRow, stages: StageRow[]): TPipeline {
  return {
    id: p.pipelineId,
    name: p.name,
    position: p.position,
    stages: stages.map(presentStage),
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

async function stagesOf(tx: Tx, ws: string, pipelineIds: string[]) {
  const byPipeline = new Map<string, StageRow[]>();
  if (pipelineIds.length === 0) return byPipeline;
  const rows = await tx
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, ws), inArray(pipelineStages.pipelineId, pipelineIds)))
    .orderBy(asc(pipelineStages.pipelineId), asc(pipelineStages.position));
  for (const r of rows) {
    const list = byPipeline.get(r.pipelineId);
    if (list) list.push(r);
    else byPipeline.set(r.pipelineId, [r]);
  }
  return byPipeline;
}

/** A pipeline of the actor's workspace with its stages in order; 404 otherwise. */
export async function loadPipeline(tx: Tx, actor: Actor, pipelineId: string, opts: { lock?: boolean } = {}) {
  const q = tx
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.workspaceId, actor.workspaceId), eq(pipelines.pipelineId, pipelineId)));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The pipeline');
  const stages = (await stagesOf(tx, actor.workspaceId, [pipelineId])).get(pipelineId) ?? [];
  return { row, stages };
}

async function insertStages(tx: Tx, ws: string, pipelineId: string, list: StageInput[], now: Date) {
  await tx.insert(pipelineStages).values(
    list.map((s, i) => ({
      workspaceId: ws,
      stageId: newId(now.getTime()),
      pipelineId,
      name: s.name,
      position: i,
      kind: s.kind,
      probability: s.probability ?? defaultProbability(s.kind),
    })),
  );
}

async function insertPipeline(tx: Tx, actor: Actor, name: string, stages: StageInput[], now: Date) {
  const ws = actor.workspaceId;
  const [{ next } = { next: 0 }] = await tx
    .select({ next: sql<number>`coalesce(max(${pipelines.position}) + 1, 0)::int` })
    .from(pipelines)
    .where(eq(pipelines.workspaceId, ws));
  const pipelineId = newId(now.getTime());
  await tx
    .insert(pipelines)
    .values({ workspaceId: ws, pipelineId, name, position: next, createdAt: now, updatedAt: now });
  await insertStages(tx, ws, pipelineId, stages, now);
  return pipelineId;
}

/** The default "Sales" pipeline, created once per workspace (serialised by an advisory
 *  lock, so two first requests at once still create one). */
async function ensureDefaultPipeline(tx: Tx, actor: Actor, now: Date): Promise<void> {
  const ws = actor.workspaceId;
  const [any] = await tx
    .select({ id: pipelines.pipelineId })
    .from(pipelines)
    .where(eq(pipelines.workspaceId, ws))
    .limit(1);
  if (any) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tillit.pipelines.${ws}`}))`);
  const [again] = await tx
    .select({ id: pipelines.pipelineId })
    .from(pipelines)
    .where(eq(pipelines.workspaceId, ws))
    .limit(1);
  if (again) return;
  const pipelineId = await insertPipeline(tx, actor, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES, now);
  await appendAudit(
    tx,
    ws,
    {
      actor: { kind: 'system' },
      action: 'pipeline.created',
      target: { type: 'pipeline', id: pipelineId },
      details: { default: true },
    },
    now,
  );
}

export async function listPipelines(services: Services, actor: Actor): Promise<TPipelineList> {
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await ensureDefaultPipeline(tx, actor, now);
    const rows = await tx
      .select()
      .from(pipelines)
      .where(eq(pipelines.workspaceId, actor.workspaceId))
      .orderBy(asc(pipelines.position), asc(pipelines.pipelineId));
    const stages = await stagesOf(
      tx,
      actor.workspaceId,
      rows.map((r) => r.pipelineId),
    );
    return { items: rows.map((r) => presentPipeline(r, stages.get(r.pipelineId) ?? [])) };
  });
}

export async function getPipeline(services: Services, actor: Actor, pipelineId: string): Promise<TPipeline> {
  return inTenant(services, actor, async (tx) => {
    const p = await loadPipeline(tx, actor, pipelineId);
    return presentPipeline(p.row, p.stages);
  });
}

export async function createPipeline(services: Services, actor: Actor, input: CreatePipelineInput): Promise<TPipeline> {
  assertAdmin(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await ensureDefaultPipeline(tx, actor, now);
    const pipelineId = await insertPipeline(tx, actor, input.name, input.stages ?? DEFAULT_STAGES, now);
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: userActor(actor),
        action: 'pipeline.created',
        target: { type: 'pipeline', id: pipelineId },
        details: { stages: (input.stages ?? DEFAULT_STAGES).length },
      },
      now,
    );
    const p = await loadPipeline(tx, actor, pipelineId);
    return presentPipeline(p.row, p.stages);
  });
}

/** Renumbers the pipelines 0..n-1, with `movedId` (if any) at `position`. */
async function reorderPipelines(tx: Tx, ws: string, movedId?: string, position = 0) {
  const rows = await tx
    .select({ id: pipelines.pipelineId })
    .from(pipelines)
    .where(eq(pipelines.workspaceId, ws))
    .orderBy(asc(pipelines.position), asc(pipelines.pipelineId));
  const ids = rows.map((r) => r.id).filter((id) => id !== movedId);
  if (movedId) ids.splice(Math.min(position, ids.length), 0, movedId);
  for (const [i, id] of ids.entries()) {
    await tx
      .update(pipelines)
      .set({ position: i })
      .where(and(eq(pipelines.workspaceId, ws), eq(pipelines.pipelineId, id)));
  }
}

async function stageHoldsDeals(tx: Tx, ws: string, stageId: string): Promise<boolean> {
  const [d] = await tx
    .select({ id: deals.dealId })
    .from(deals)
    .where(and(eq(deals.workspaceId, ws), eq(deals.stageId, stageId)))
    .limit(1);
  return Boolean(d);
}

/**
 * Name, position among the pipelines, and the stages: the list given is the whole new
 * list in order (kept, renamed, re-kinded, added; left out = deleted, refused with 409
 * while deals — in the trash too — are in the stage). A stage whose kind changes carries
 * its deals' status and closedAt along.
 */
export async function updatePipeline(
  services: Services,
  actor: Actor,
  pipelineId: string,
  input: UpdatePipelineInput,
): Promise<TPipeline> {
  assertAdmin(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const { stages: current } = await loadPipeline(tx, actor, pipelineId, { lock: true });
    const details: { fields: string[]; stagesAdded?: number; stagesRemoved?: string[] } = {
      fields: Object.keys(input).sort(),
    };
    if (input.stages) {
      const byId = new Map(current.map((s) => [s.stageId, s]));
      const problems: Record<string, string> = {};
      input.stages.forEach((s, i) => {
        if (s.id && !byId.has(s.id)) problems[`stages.${i}.id`] = 'is not a stage of this pipeline';
      });
      if (Object.keys(problems).length) throw validationFailed(problems);
      const keep = new Set(input.stages.flatMap((s) => (s.id ? [s.id] : [])));
      const removed = current.filter((s) => !keep.has(s.stageId));
      for (const s of removed) {
        if (await stageHoldsDeals(tx, ws, s.stageId)) {
          throw conflict(
            `The stage "${s.name}" still holds deals (the trash counts too). Move them to another stage first.`,
            { stages: `stage ${s.stageId} holds deals` },
          );
        }
      }
      if (removed.length) {
        await tx.delete(pipelineStages).where(
          and(
            eq(pipelineStages.workspaceId, ws),
            inArray(
              pipelineStages.stageId,
              removed.map((s) => s.stageId),
            ),
          ),
        );
      }
      for (const [i, s] of input.stages.entries()) {
        if (!s.id) {
          await tx.insert(pipelineStages).values({
            workspaceId: ws,
            stageId: newId(now.getTime()),
            pipelineId,
            name: s.name,
            position: i,
            kind: s.kind,
            probability: s.probability ?? defaultProbability(s.kind),
          });
          continue;
        }
        const old = byId.get(s.id);
        await tx
          .update(pipelineStages)
          .set({
            name: s.name,
            position: i,
            kind: s.kind,
            probability: s.probability ?? (old && old.kind === s.kind ? old.probability : defaultProbability(s.kind)),
          })
          .where(and(eq(pipelineStages.workspaceId, ws), eq(pipelineStages.stageId, s.id)));
        if (old && old.kind !== s.kind) {
          await tx
            .update(deals)
            .set({ status: s.kind, closedAt: s.kind === 'open' ? null : now, updatedAt: now })
            .where(and(eq(deals.workspaceId, ws), eq(deals.stageId, s.id)));
        }
      }
      details.stagesAdded = input.stages.filter((s) => !s.id).length;
      details.stagesRemoved = removed.map((s) => s.stageId);
    }
    const changes: Partial<typeof pipelines.$inferInsert> = { updatedAt: now };
    if (input.name !== undefined) changes.name = input.name;
    await tx
      .update(pipelines)
      .set(changes)
      .where(and(eq(pipelines.workspaceId, ws), eq(pipelines.pipelineId, pipelineId)));
    if (input.position !== undefined) await reorderPipelines(tx, ws, pipelineId, input.position);
    await appendAudit(
      tx,
      ws,
      { actor: userActor(actor), action: 'pipeline.updated', target: { type: 'pipeline', id: pipelineId }, details },
      now,
    );
    const p = await loadPipeline(tx, actor, pipelineId);
    return presentPipeline(p.row, p.stages);
  });
}

/** Deletes a pipeline with no deals (in the trash too); the last pipeline stays. */
export async function deletePipeline(services: Services, actor: Actor, pipelineId: string): Promise<void> {
  assertAdmin(actor);
  const now = services.clock.now();
  await inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    await loadPipeline(tx, actor, pipelineId, { lock: true });
    const [d] = await tx
      .select({ id: deals.dealId })
      .from(deals)
      .where(and(eq(deals.workspaceId, ws), eq(deals.pipelineId, pipelineId)))
      .limit(1);
    if (d) throw conflict('The pipeline still holds deals (the trash counts too). Move or delete them first.');
    const [other] = await tx
      .select({ id: pipelines.pipelineId })
      .from(pipelines)
      .where(and(eq(pipelines.workspaceId, ws), sql`${pipelines.pipelineId} <> ${pipelineId}`))
      .limit(1);
    if (!other) throw conflict('The last pipeline of a workspace cannot be deleted.');
    await tx.delete(pipelines).where(and(eq(pipelines.workspaceId, ws), eq(pipelines.pipelineId, pipelineId)));
    await reorderPipelines(tx, ws);
    await appendAudit(
      tx,
      ws,
      { actor: userActor(actor), action: 'pipeline.deleted', target: { type: 'pipeline', id: pipelineId } },
      now,
    );
  });
}
