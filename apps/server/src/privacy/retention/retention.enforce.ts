import { rm } from 'node:fs/promises';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { workspaces, workspaceTerminations } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import type { Json } from '../../lib/canonical-json.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { importFilePath } from '../../modules/import/import.files.ts';
import type { Services } from '../../services.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { declaredTables } from '../data-map/data-map.ts';
import {
  BATCH,
  cutoffFor,
  EXECUTORS,
  lastRunCutoffs,
  type RuleExecutor,
  type StepContext,
  type StepResult,
} from './retention.executors.ts';
import { workspaceHasActiveHold } from './retention.holds.ts';
import { RETENTION_RULES, retentionRule } from './retention.rules.ts';
import { effectiveDays } from './retention.service.ts';

export type EnforceResult = {
  workspaces: number;
  rows: number;
  workspacesPurged: number;
  workspacesHeld: number;
  sessions: number;
};

const rowsOf = (r: unknown) => (r as { rows: unknown[] }).rows;

/**
 * The daily retention run (P-RET-1): for every workspace, a terminated workspace past its
 * period is deleted whole (P-ACC-5) unless a legal hold applies; otherwise every enforced
 * rule deletes or anonymises what has expired, step by step, each step its own transaction
 * (a run cut short resumes where it stopped; running twice changes nothing). Each
 * workspace's audit chain records the run: per rule, the period, the cutoff and the rows.
 */
export async function enforceRetention(
  services: Services,
  options: { workspaceId?: string; rules?: readonly string[] } = {},
): Promise<EnforceResult> {
  const db = services.database.db;
  const now = services.clock.now();
  const ids = options.workspaceId
    ? [{ workspaceId: options.workspaceId }]
    : await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  const result: EnforceResult = { workspaces: 0, rows: 0, workspacesPurged: 0, workspacesHeld: 0, sessions: 0 };
  for (const { workspaceId } of ids) {
    if (workspaceId === INSTANCE_SCOPE) continue;
    const outcome = await enforceTermination(services, workspaceId, now);
    if (outcome === 'purged') {
      result.workspacesPurged += 1;
      continue;
    }
    if (outcome === 'held') result.workspacesHeld += 1;
    result.rows += await enforceWorkspaceRules(services, workspaceId, now, options.rules);
    result.workspaces += 1;
  }
  if (!options.workspaceId && !options.rules) result.sessions = await anonymiseOldSessions(services, now);
  return result;
}

/** Runs every enforced rule of one workspace (or only `only`) to completion and records the run. */
export async function enforceWorkspaceRules(
  services: Services,
  workspaceId: string,
  now: Date,
  only?: readonly string[],
): Promise<number> {
  const db = services.database.db;
  const startedAt = new Date();
  const [days, done] = await withTenant(
    db,
    { workspaceId },
    async (tx) => [await effectiveDays(tx, workspaceId), await lastRunCutoffs(tx, workspaceId)] as const,
  );
  const cutoffOf = (k: string) => cutoffFor(now, days.get(k) ?? retentionRule(k)?.defaultDays ?? 0);
  const perRule: Record<string, Json> = {};
  let total = 0;
  for (const rule of RETENTION_RULES) {
    const exec = EXECUTORS[rule.key];
    if (!exec || (only && !only.includes(rule.key))) continue;
    const ctx = { services, workspaceId, now, cutoff: cutoffOf(rule.key), cutoffOf, doneBefore: done.get(rule.key) };
    const { rows } = await runRule(exec, ctx);
    total += rows;
    perRule[rule.key] = { days: days.get(rule.key) ?? rule.defaultDays, before: ctx.cutoff.toISOString(), rows };
  }
  await withTenant(db, { workspaceId }, (tx) =>
    appendAudit(
      tx,
      workspaceId,
      {
        actor: { kind: 'system' },
        action: 'retention.run',
        details: {
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          at: now.toISOString(),
          rows: total,
          rules: perRule,
          ...(only ? { only: [...only] } : {}),
        },
      },
      now,
    ),
  );
  return total;
}

export type RuleRun = { rows: number; counts: Record<string, number> };

/**
 * Runs one rule of one workspace to completion: step after step, each in its own
 * transaction, bytes deleted after each commit, until a step finds nothing. The daily run
 * and the `trash.purge` job both go through here.
 */
export async function runRule(exec: RuleExecutor, ctx: StepContext): Promise<RuleRun> {
  const db = ctx.services.database.db;
  const run: RuleRun = { rows: 0, counts: {} };
  // What the steps of this run learn of their selections (where one stopped, which are empty).
  const stepCtx: StepContext = { ...ctx, progress: ctx.progress ?? new Map() };
  for (;;) {
    const step: StepResult = await withTenant(db, { workspaceId: ctx.workspaceId }, (tx) => exec.step(tx, stepCtx));
    if (step.afterCommit) await step.afterCommit();
    if (step.rows === 0) break;
    run.rows += step.rows;
    for (const [kind, n] of Object.entries(step.counts ?? {})) run.counts[kind] = (run.counts[kind] ?? 0) + n;
  }
  return run;
}

// ---- P-ACC-5 ---------------------------------------------------------------------------

async function enforceTermination(
  services: Services,
  workspaceId: string,
  now: Date,
): Promise<'none' | 'waiting' | 'held' | 'purged'> {
  const db = services.database.db;
  const state = await withTenant(db, { workspaceId }, async (tx) => {
    const [t] = await tx.select().from(workspaceTerminations).where(eq(workspaceTerminations.workspaceId, workspaceId));
    if (!t) return { kind: 'none' as const };
    const days = (await effectiveDays(tx, workspaceId)).get('workspace.terminated') ?? 30;
    if (t.terminatedAt.getTime() + days * DAY_MS > now.getTime()) return { kind: 'waiting' as const };
    if (await workspaceHasActiveHold(tx, workspaceId, now)) {
      await appendAudit(
        tx,
        workspaceId,
        {
          actor: { kind: 'system' },
          action: 'retention.termination_held',
          details: { terminatedAt: t.terminatedAt.toISOString(), days },
        },
        now,
      );
      return { kind: 'held' as const };
    }
    return { kind: 'due' as const, terminatedAt: t.terminatedAt, days };
  });
  if (state.kind !== 'due') return state.kind;
  const rows = await purgeWorkspaceData(services, workspaceId);
  await withTenant(db, { workspaceId: INSTANCE_SCOPE }, (tx) =>
    appendAudit(
      tx,
      INSTANCE_SCOPE,
      {
        actor: { kind: 'system' },
        action: 'workspace.purged',
        target: { type: 'workspace', id: workspaceId },
        details: { terminatedAt: state.terminatedAt.toISOString(), days: state.days, rows },
      },
      now,
    ),
  );
  return 'purged';
}

/** Tenant tables, those that refer to others first, so every batch stays small (a parent
 *  deleted last cascades to nothing). `workspace_terminations` stays to the end: while it
 *  exists, a run cut short is resumed by the next. */
function purgeOrder(): string[] {
  const tables = declaredTables().filter(
    (t) =>
      t.tenancy === 'tenant' &&
      'workspace_id' in t.columns &&
      t.name !== 'workspaces' &&
      t.name !== 'workspace_terminations',
  );
  const refs = new Map<string, Set<string>>();
  for (const t of tables) {
    const targets = new Set<string>();
    for (const fk of getTableConfig(t.table as PgTable).foreignKeys) {
      const target = getTableConfig(fk.reference().foreignTable).name;
      if (target !== t.name) targets.add(target);
    }
    refs.set(t.name, targets);
  }
  const order: string[] = [];
  const left = new Set(tables.map((t) => t.name));
  while (left.size > 0) {
    // A table no remaining table refers to can go now.
    const ready = [...left].filter((n) => ![...left].some((o) => o !== n && refs.get(o)?.has(n)));
    const pick = ready.length > 0 ? ready : [...left];
    for (const n of pick.sort()) {
      order.push(n);
      left.delete(n);
    }
  }
  return order;
}

/** Deletes every row of one workspace, table by table in batches, then the workspace. */
export async function purgeWorkspaceData(services: Services, workspaceId: string): Promise<number> {
  const db = services.database.db;
  let total = 0;
  for (const table of purgeOrder()) {
    for (;;) {
      const n = await withTenant(
        db,
        { workspaceId },
        async (tx) =>
          rowsOf(
            await tx.execute(sql`delete from ${sql.identifier(table)} where ctid in (
            select ctid from ${sql.identifier(table)} where workspace_id = ${workspaceId} limit ${BATCH}) returning 1`),
          ).length,
      );
      total += n;
      if (n < BATCH) break;
    }
  }
  await withTenant(db, { workspaceId }, (tx) => tx.delete(workspaces).where(eq(workspaces.workspaceId, workspaceId)));
  // Uploaded import files live on disk per workspace; stored file bytes are swept by
  // files.sweep once no row refers to them.
  await rm(path.dirname(importFilePath(services, workspaceId, 'none')), { recursive: true, force: true });
  return total + 1;
}

// ---- instance rule: sessions (P-SEC-6) ------------------------------------------------

async function anonymiseOldSessions(services: Services, now: Date): Promise<number> {
  const rule = retentionRule('sessions.security_details');
  if (!rule) return 0;
  const cutoff = cutoffFor(now, rule.defaultDays);
  const db = services.database.db;
  let total = 0;
  for (;;) {
    const r = await db.execute(sql`update sessions set ip_address = null, user_agent = null where id in (
        select id from sessions where created_at <= ${cutoff.toISOString()}::timestamptz
          and (ip_address is not null or user_agent is not null) limit ${BATCH}) returning id`);
    const n = rowsOf(r).length;
    total += n;
    if (n < BATCH) break;
  }
  if (total > 0) {
    await withTenant(db, { workspaceId: INSTANCE_SCOPE }, (tx) =>
      appendAudit(
        tx,
        INSTANCE_SCOPE,
        {
          actor: { kind: 'system' },
          action: 'retention.run',
          details: { rules: { 'sessions.security_details': { rows: total, before: cutoff.toISOString() } } },
        },
        now,
      ),
    );
  }
  return total;
}
