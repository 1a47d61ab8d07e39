import type { TRetentionForecast, TRetentionRule, TTermination } from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { retentionOverrides, workspaces, workspaceTerminations } from '../../db/schema/index.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { AppError, badRequest, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { BATCH, cutoffFor, EXECUTORS, lastRunCutoffs, type StepContext } from './retention.executors.ts';
import { RETENTION_RULES, type RetentionRule, retentionRule } from './retention.rules.ts';

/** The forecast looks this far ahead and counts at most this many rows per rule. */
export const FORECAST_DAYS = 30;
export const FORECAST_CAP = 10_000;

export type RetentionActor = { workspaceId: string; userId: string };

/** The period of each rule in one workspace: its override, else the built-in default. */
export async function effectiveDays(tx: Tx, workspaceId: string): Promise<Map<string, number>> {
  const rows = await tx
    .select({ key: retentionOverrides.ruleKey, days: retentionOverrides.days })
    .from(retentionOverrides)
    .where(eq(retentionOverrides.workspaceId, workspaceId));
  const days = new Map(RETENTION_RULES.map((r) => [r.key, r.defaultDays]));
  for (const o of rows) {
    const rule = retentionRule(o.key);
    // A bound tightened in a later version wins over an older override.
    if (rule) days.set(o.key, Math.min(rule.maxDays, Math.max(rule.minDays, o.days)));
  }
  return days;
}

function present(rule: RetentionRule, days: number, overridden: boolean): TRetentionRule {
  return {
    key: rule.key,
    title: rule.title,
    category: rule.category,
    purpose: rule.purpose,
    tables: [...rule.tables],
    clock: rule.clock,
    action: rule.action,
    columns: [...rule.columns],
    defaultDays: rule.defaultDays,
    minDays: rule.minDays,
    maxDays: rule.maxDays,
    bounds: rule.bounds,
    days,
    overridden,
    editable: rule.scope === 'workspace' && rule.minDays < rule.maxDays,
    source: rule.source,
    promises: [...rule.promises],
    status: rule.status,
    scope: rule.scope,
    enforcedBy: rule.status === 'enforced' ? 'retention.enforce' : (rule.enforcedBy ?? null),
    honoursLegalHolds: rule.honoursLegalHolds,
  };
}

export async function listRules(tx: Tx, workspaceId: string): Promise<TRetentionRule[]> {
  const rows = await tx
    .select({ key: retentionOverrides.ruleKey })
    .from(retentionOverrides)
    .where(eq(retentionOverrides.workspaceId, workspaceId));
  const overridden = new Set(rows.map((r) => r.key));
  const days = await effectiveDays(tx, workspaceId);
  return RETENTION_RULES.map((r) => present(r, days.get(r.key) ?? r.defaultDays, overridden.has(r.key)));
}

/**
 * Sets a workspace's own period for a rule. Refused (400, naming `days`) outside the rule's
 * legal bounds: e.g. email headers cannot be kept beyond 7 days, invoices not below 7 years.
 */
export async function setOverride(
  tx: Tx,
  actor: RetentionActor,
  key: string,
  days: number,
  now: Date,
): Promise<TRetentionRule> {
  const rule = retentionRule(key);
  if (!rule) throw notFound('The retention rule');
  if (rule.scope !== 'workspace' || rule.minDays === rule.maxDays) {
    throw new AppError('retention_fixed', 400, `The period of "${rule.title}" is fixed (${rule.bounds}).`, {
      days: 'cannot be changed for this rule',
    });
  }
  if (days < rule.minDays) {
    throw badRequest(`"${rule.title}" must be kept at least ${rule.minDays} days.`, {
      days: `must be at least ${rule.minDays} days (${rule.bounds})`,
    });
  }
  if (days > rule.maxDays) {
    throw badRequest(`"${rule.title}" may be kept at most ${rule.maxDays} days.`, {
      days: `must be at most ${rule.maxDays} days (${rule.bounds})`,
    });
  }
  const ws = actor.workspaceId;
  const [before] = await tx
    .select({ days: retentionOverrides.days })
    .from(retentionOverrides)
    .where(and(eq(retentionOverrides.workspaceId, ws), eq(retentionOverrides.ruleKey, key)));
  await tx
    .insert(retentionOverrides)
    .values({ workspaceId: ws, ruleKey: key, days, updatedBy: actor.userId, updatedAt: now })
    .onConflictDoUpdate({
      target: [retentionOverrides.workspaceId, retentionOverrides.ruleKey],
      set: { days, updatedBy: actor.userId, updatedAt: now },
    });
  await appendAudit(
    tx,
    ws,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'retention.period_changed',
      target: { type: 'retention_rule', id: key },
      details: { from: before?.days ?? rule.defaultDays, to: days, default: rule.defaultDays },
    },
    now,
  );
  return present(rule, days, true);
}

/** Back to the built-in default. */
export async function clearOverride(tx: Tx, actor: RetentionActor, key: string, now: Date): Promise<TRetentionRule> {
  const rule = retentionRule(key);
  if (!rule) throw notFound('The retention rule');
  const removed = await tx
    .delete(retentionOverrides)
    .where(and(eq(retentionOverrides.workspaceId, actor.workspaceId), eq(retentionOverrides.ruleKey, key)))
    .returning({ days: retentionOverrides.days });
  if (removed[0]) {
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'retention.period_changed',
        target: { type: 'retention_rule', id: key },
        details: { from: removed[0].days, to: rule.defaultDays, default: rule.defaultDays },
      },
      now,
    );
  }
  return present(rule, rule.defaultDays, false);
}

function stepContext(
  services: StepContext['services'],
  workspaceId: string,
  now: Date,
  days: Map<string, number>,
  key: string,
  done: Map<string, Date>,
): StepContext {
  const cutoffOf = (k: string) => cutoffFor(now, days.get(k) ?? retentionRule(k)?.defaultDays ?? 0);
  return { services, workspaceId, now, cutoff: cutoffOf(key), cutoffOf, doneBefore: done.get(key) };
}

/**
 * What each rule will delete or anonymise in the next 30 days in this workspace: rows due
 * now (the next run takes them) and rows that become due within 30 days. Each count stops
 * at FORECAST_CAP (`capped` says so), so the forecast of a huge table costs a bounded scan.
 */
export async function forecast(
  tx: Tx,
  services: StepContext['services'],
  workspaceId: string,
  now: Date,
): Promise<TRetentionForecast> {
  const days = await effectiveDays(tx, workspaceId);
  const done = await lastRunCutoffs(tx, workspaceId);
  const until = new Date(now.getTime() + FORECAST_DAYS * DAY_MS);
  const items: TRetentionForecast['items'] = [];
  for (const rule of RETENTION_RULES) {
    const exec = EXECUTORS[rule.key];
    const d = days.get(rule.key) ?? rule.defaultDays;
    if (!exec) {
      items.push({ key: rule.key, days: d, dueNow: null, next30Days: null, capped: false, note: noteFor(rule) });
      continue;
    }
    const ctxNow = stepContext(services, workspaceId, now, days, rule.key, done);
    const ctxLater = stepContext(services, workspaceId, until, days, rule.key, done);
    const dueNow = await exec.count(tx, ctxNow, FORECAST_CAP + 1);
    const byThen = await exec.count(tx, ctxLater, FORECAST_CAP + 1);
    const capped = dueNow > FORECAST_CAP || byThen > FORECAST_CAP;
    items.push({
      key: rule.key,
      days: d,
      dueNow: Math.min(dueNow, FORECAST_CAP),
      next30Days: Math.min(byThen, FORECAST_CAP),
      capped,
      note: null,
    });
  }
  const termination = await terminationOf(tx, workspaceId, days);
  return {
    from: now.toISOString(),
    until: until.toISOString(),
    cap: FORECAST_CAP,
    items,
    termination,
  };
}

function noteFor(rule: RetentionRule): string {
  if (rule.key === 'workspace.terminated') return 'Applies once the workspace is terminated.';
  if (rule.status === 'declared') return 'No such data in Tillit yet; the rule applies when it comes.';
  if (rule.status === 'elsewhere') return `Enforced by the ${rule.enforcedBy} job.`;
  return 'Instance-wide rule; not counted per workspace.';
}

// ---- P-ACC-5: terminated workspaces ----------------------------------------------------

async function terminationOf(tx: Tx, workspaceId: string, days?: Map<string, number>): Promise<TTermination | null> {
  const [t] = await tx.select().from(workspaceTerminations).where(eq(workspaceTerminations.workspaceId, workspaceId));
  if (!t) return null;
  const d = (days ?? (await effectiveDays(tx, workspaceId))).get('workspace.terminated') ?? 30;
  return {
    terminatedAt: t.terminatedAt.toISOString(),
    deleteAfter: new Date(t.terminatedAt.getTime() + d * DAY_MS).toISOString(),
  };
}

export async function getTermination(tx: Tx, workspaceId: string): Promise<TTermination | null> {
  return terminationOf(tx, workspaceId);
}

/** The owner terminates the workspace: its data is deleted once the period has passed. */
export async function terminateWorkspace(
  tx: Tx,
  actor: RetentionActor,
  confirmName: string,
  now: Date,
): Promise<TTermination> {
  const [ws] = await tx
    .select({ name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, actor.workspaceId));
  if (!ws) throw notFound('The workspace');
  if (ws.name !== confirmName) throw validationFailed({ confirmName: 'must be the name of the workspace' });
  await tx
    .insert(workspaceTerminations)
    .values({ workspaceId: actor.workspaceId, terminatedAt: now, terminatedBy: actor.userId })
    .onConflictDoNothing();
  const t = await terminationOf(tx, actor.workspaceId);
  if (!t) throw new Error('termination row missing after insert');
  await appendAudit(
    tx,
    actor.workspaceId,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'workspace.terminated',
      target: { type: 'workspace', id: actor.workspaceId },
      details: { deleteAfter: t.deleteAfter },
    },
    now,
  );
  return t;
}

/** Takes a termination back (before the data is deleted). */
export async function cancelTermination(tx: Tx, actor: RetentionActor, now: Date): Promise<void> {
  const r = await tx
    .delete(workspaceTerminations)
    .where(eq(workspaceTerminations.workspaceId, actor.workspaceId))
    .returning({ at: workspaceTerminations.terminatedAt });
  if (!r[0]) throw notFound('The termination');
  await appendAudit(
    tx,
    actor.workspaceId,
    {
      actor: { kind: 'user', id: actor.userId },
      action: 'workspace.termination_cancelled',
      target: { type: 'workspace', id: actor.workspaceId },
    },
    now,
  );
}

export const assertOwner = (role: string) => {
  if (role !== 'owner') throw forbidden('Only the owner can terminate the workspace.');
};

export { BATCH };
