import {
  ZCreateCompanyBody,
  ZCreateDealBody,
  ZCreateInteractionBody,
  ZCreateNoteBody,
  ZCreatePersonBody,
  ZCreateTaskBody,
} from '@tillit/contracts';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { auditEntries, companies, deals, people, teams } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { forbidden } from '../../lib/errors.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { createCompanies } from '../companies/companies.service.ts';
import { createDeal, moveDeal } from '../deals/deals.service.ts';
import { listPipelines } from '../deals/pipelines.service.ts';
import { createPeople } from '../people/people.service.ts';
import { createTask } from '../tasks/tasks.service.ts';
import { createInteraction } from '../timeline/interactions.service.ts';
import { createNote } from '../timeline/notes.service.ts';
import { createTeam } from '../workspaces/teams.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import {
  type DemoCompanyRef,
  demoAmount,
  demoCompany,
  demoDealName,
  demoInteractionSubject,
  demoNoteHtml,
  demoPerson,
  demoTaskTitle,
} from './demo.data.ts';
import { createRandom, type Random, seedOf } from './demo.random.ts';

export const DEFAULT_DEMO_PEOPLE = 3000;
/** Records per transaction. PGlite has one connection: while a batch's transaction runs,
 *  every request's query waits for it, so batches there are small and a short pause between
 *  them lets waiting requests through (measured: with 100 people per batch on a loaded
 *  machine, a sign-in waited minutes). */
const BATCH_SIZE = { postgres: 100, pglite: 20 } as const;
const PGLITE_PAUSE_MS = 150;
/** The team that some demo records are shared with. */
export const DEMO_TEAM_NAME = 'Demo sales team';
/** Audit actions that mark progress: one per batch, in the batch's own transaction. */
const BATCH_ACTION = 'demo.batch_loaded';
const DONE_ACTION = 'demo.loaded';

export const DEMO_KINDS = ['team', 'companies', 'people', 'deals', 'tasks', 'notes', 'interactions'] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

export type DemoOptions = {
  /** How many people; every other count follows from it (3,000 gives ~400 companies). */
  people?: number;
  /** Records per transaction. */
  batchSize?: number;
  /** Called after each batch this run writes (for console progress and measurements). */
  onBatch?: (progress: { kind: DemoKind; batch: number; records: number; ms: number }) => void;
};

export type DemoCounts = Record<DemoKind, number>;

export function demoCounts(peopleCount: number): DemoCounts {
  return {
    team: 1,
    companies: Math.max(3, Math.round((peopleCount * 400) / 3000)),
    people: peopleCount,
    deals: Math.max(12, Math.round(peopleCount / 10)),
    tasks: Math.max(8, Math.round(peopleCount / 10)),
    notes: Math.max(6, Math.round(peopleCount / 6)),
    interactions: Math.max(4, Math.round(peopleCount / 30)),
  };
}

export type DemoResult = {
  /** Batches written by this run (0 when everything was there already). */
  batchesWritten: number;
  batchesTotal: number;
  records: number;
  complete: boolean;
  ms: number;
};

/**
 * Fills the actor's workspace with a demo CRM through the same service functions a user's
 * requests go through (validation, audit entries, search index, outbox all apply).
 *
 * Idempotent and resumable: the work is cut into batches (one kind, up to `batchSize`
 * records), each written in ONE transaction that ends with a `demo.batch_loaded` audit entry
 * naming the kind and batch number. A batch whose entry exists is skipped, so a second run
 * adds nothing and a run cut short continues where it stopped; a failed batch leaves
 * nothing behind. The generator is seeded per batch, so a batch is the same data whenever
 * it runs. Concurrent runs serialise on a per-workspace advisory lock and re-check.
 *
 * Deals that are won or lost are created and closed with the service clock set back to a
 * day in the last 12 months (so the dashboard has a history); their audit entries carry
 * that simulated time too.
 */
export async function loadDemoWorkspace(
  services: Services,
  actor: Actor,
  options: DemoOptions = {},
): Promise<DemoResult> {
  if (!roleAtLeast(actor.role, 'admin')) throw forbidden('Loading demo data needs the admin role or higher.');
  const started = performance.now();
  const peopleCount = options.people ?? DEFAULT_DEMO_PEOPLE;
  const kindOfDb = services.database.kind;
  const batchSize = options.batchSize ?? BATCH_SIZE[kindOfDb];
  const counts = demoCounts(peopleCount);
  const done = await doneBatches(services, actor);
  if (await withTenant(services.database.db, actor, (tx) => isComplete(tx, actor.workspaceId))) {
    return { batchesWritten: 0, batchesTotal: done.size, records: 0, complete: true, ms: 0 };
  }
  let batchesWritten = 0;
  let batchesTotal = 0;
  let records = 0;
  for (const kind of DEMO_KINDS) {
    const total = counts[kind];
    const batches = Math.ceil(total / batchSize);
    batchesTotal += batches;
    for (let b = 0; b < batches; b++) {
      if (done.has(`${kind}:${b}`)) continue;
      const from = b * batchSize;
      const size = Math.min(batchSize, total - from);
      if (kindOfDb === 'pglite' && batchesWritten > 0) await new Promise((r) => setTimeout(r, PGLITE_PAUSE_MS));
      const t0 = performance.now();
      const wrote = await runBatch(services, actor, kind, b, from, size);
      if (wrote) {
        options.onBatch?.({ kind, batch: b, records: size, ms: Math.round(performance.now() - t0) });
        batchesWritten += 1;
        records += size;
      }
    }
  }
  const complete = await markComplete(services, actor, counts);
  return { batchesWritten, batchesTotal, records, complete, ms: Math.round(performance.now() - started) };
}

export type DemoStatus = { batchesDone: number; complete: boolean };

/** How far the demo load of the actor's workspace is (from its progress audit entries). */
export async function demoStatus(services: Services, actor: Actor): Promise<DemoStatus> {
  const done = await doneBatches(services, actor);
  const complete = await withTenant(services.database.db, actor, async (tx) => isComplete(tx, actor.workspaceId));
  return { batchesDone: done.size, complete };
}

async function isComplete(tx: Tx, ws: string): Promise<boolean> {
  const [row] = await tx
    .select({ seq: auditEntries.seq })
    .from(auditEntries)
    .where(and(eq(auditEntries.workspaceId, ws), eq(auditEntries.action, DONE_ACTION)))
    .limit(1);
  return Boolean(row);
}

async function doneBatches(services: Services, actor: Actor): Promise<Set<string>> {
  const rows = await withTenant(services.database.db, actor, (tx) =>
    tx
      .select({ details: auditEntries.details })
      .from(auditEntries)
      .where(and(eq(auditEntries.workspaceId, actor.workspaceId), eq(auditEntries.action, BATCH_ACTION))),
  );
  const keys = new Set<string>();
  for (const r of rows) {
    const d = r.details as { key?: unknown };
    if (typeof d.key === 'string') keys.add(d.key);
  }
  return keys;
}

async function lockDemo(tx: Tx, ws: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tillit.demo.${ws}`}))`);
}

async function markComplete(services: Services, actor: Actor, counts: DemoCounts): Promise<boolean> {
  const now = services.clock.now();
  return withTenant(services.database.db, actor, async (tx) => {
    const ws = actor.workspaceId;
    await lockDemo(tx, ws);
    if (await isComplete(tx, ws)) return true;
    // Complete when every kind has its records (summed over batches), whatever batch size
    // the runs used.
    const kinds = await tx
      .select({
        kind: sql<string>`${auditEntries.details}->>'kind'`,
        n: sql<number>`sum((${auditEntries.details}->>'count')::int)::int`,
      })
      .from(auditEntries)
      .where(and(eq(auditEntries.workspaceId, ws), eq(auditEntries.action, BATCH_ACTION)))
      .groupBy(sql`${auditEntries.details}->>'kind'`);
    const have = new Map(kinds.map((k) => [k.kind, k.n]));
    if (DEMO_KINDS.some((k) => (have.get(k) ?? 0) < counts[k])) return false;
    await appendAudit(
      tx,
      ws,
      {
        actor: { kind: 'user', id: actor.userId },
        action: DONE_ACTION,
        target: { type: 'workspace', id: ws },
        details: { ...counts },
      },
      now,
    );
    return true;
  });
}

type Pools = {
  teamId: string | null;
  companies: (DemoCompanyRef & { name: string })[];
  people: string[];
  deals: { id: string; companyId: string | null }[];
};

/** The records later kinds link to, read in the batch's transaction. Bounded: the demo
 *  links to the first few thousand live records of each kind. */
async function loadPools(tx: Tx, ws: string, kind: DemoKind): Promise<Pools> {
  const [team] = await tx
    .select({ id: teams.teamId })
    .from(teams)
    .where(and(eq(teams.workspaceId, ws), eq(teams.name, DEMO_TEAM_NAME)));
  const pools: Pools = { teamId: team?.id ?? null, companies: [], people: [], deals: [] };
  if (kind === 'team' || kind === 'companies') return pools;
  pools.companies = (
    await tx
      .select({ id: companies.companyId, domain: companies.domain, name: companies.name })
      .from(companies)
      .where(and(eq(companies.workspaceId, ws), isNull(companies.deletedAt), eq(companies.visibility, 'workspace')))
      .orderBy(asc(companies.nameKey), asc(companies.companyId))
      .limit(2000)
  ).map((c) => ({ id: c.id, domain: c.domain, name: c.name }));
  if (kind === 'people') return pools;
  pools.people = (
    await tx
      .select({ id: people.personId })
      .from(people)
      .where(and(eq(people.workspaceId, ws), isNull(people.deletedAt), eq(people.visibility, 'workspace')))
      .orderBy(asc(people.personId))
      .limit(5000)
  ).map((p) => p.id);
  if (kind === 'deals') return pools;
  pools.deals = (
    await tx
      .select({ id: deals.dealId, companyId: deals.companyId })
      .from(deals)
      .where(and(eq(deals.workspaceId, ws), isNull(deals.deletedAt), eq(deals.visibility, 'workspace')))
      .orderBy(asc(deals.dealId))
      .limit(2000)
  ).map((d) => ({ id: d.id, companyId: d.companyId }));
  return pools;
}

/** Writes one batch in one transaction; false when another run wrote it first. */
async function runBatch(
  services: Services,
  actor: Actor,
  kind: DemoKind,
  batch: number,
  from: number,
  size: number,
): Promise<boolean> {
  const key = `${kind}:${batch}`;
  const now = services.clock.now();
  return withTenant(services.database.db, actor, async (tx) => {
    const ws = actor.workspaceId;
    await lockDemo(tx, ws);
    const [again] = await tx
      .select({ seq: auditEntries.seq })
      .from(auditEntries)
      .where(
        and(
          eq(auditEntries.workspaceId, ws),
          eq(auditEntries.action, BATCH_ACTION),
          sql`${auditEntries.details}->>'key' = ${key}`,
        ),
      )
      .limit(1);
    if (again) return false;
    // The service functions open their own transaction on `services.database.db`; handing
    // them this transaction makes theirs a savepoint inside it, so the batch is all or nothing.
    const inBatch: Services = { ...services, database: { ...services.database, db: tx as unknown as Db } };
    const r = createRandom(seedOf(`tillit-demo:${key}`));
    const pools = await loadPools(tx, ws, kind);
    await writers[kind]({ services: inBatch, actor, r, pools, from, size, now });
    await appendAudit(
      tx,
      ws,
      {
        actor: { kind: 'user', id: actor.userId },
        action: BATCH_ACTION,
        target: { type: 'workspace', id: ws },
        details: { key, kind, batch, count: size },
      },
      now,
    );
    return true;
  });
}

type BatchContext = {
  services: Services;
  actor: Actor;
  r: Random;
  pools: Pools;
  from: number;
  size: number;
  now: Date;
};

const at = (services: Services, date: Date): Services => ({ ...services, clock: { now: () => date } });
const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS - 9 * 60 * 60 * 1000);
const isoDate = (d: Date) => d.toISOString().slice(0, 10);

const writers: Record<DemoKind, (c: BatchContext) => Promise<void>> = {
  team: async ({ services, actor, pools }) => {
    if (!pools.teamId) await createTeam(services, actor, { name: DEMO_TEAM_NAME });
  },

  // People and companies, most of the records, go in a batch at a time through the services'
  // bulk creates: the same checks, audit entries, search postings and outbox, set-based.
  companies: async ({ services, actor, r, from, size }) => {
    const bodies = [];
    for (let i = from; i < from + size; i++) bodies.push(ZCreateCompanyBody.parse(demoCompany(r, i)));
    await createCompanies(services, actor, bodies);
  },

  people: async ({ services, actor, r, pools, size }) => {
    const bodies = [];
    for (let i = 0; i < size; i++) {
      bodies.push(ZCreatePersonBody.parse(demoPerson(r, pools.companies, { teamId: pools.teamId })));
    }
    await createPeople(services, actor, bodies);
  },

  deals: async ({ services, actor, r, pools, from, size, now }) => {
    const [pipeline] = (await listPipelines(services, actor)).items;
    if (!pipeline) throw new Error('demo: the workspace has no pipeline');
    const stages = pipeline.stages;
    const first = stages[0];
    if (!first) throw new Error('demo: the pipeline has no stages');
    for (let i = from; i < from + size; i++) {
      // The first deals go one to each stage, so every stage has some even at a small scale.
      const roll = r.next();
      const stage =
        stages[i] ??
        (roll < 0.25
          ? stages.find((s) => s.kind === 'won')
          : roll < 0.4
            ? stages.find((s) => s.kind === 'lost')
            : r.pick(stages.filter((s) => s.kind === 'open'))) ??
        first;
      const company = pools.companies.length && r.chance(0.85) ? r.pick(pools.companies) : null;
      const personIds = [
        ...new Set(Array.from({ length: r.int(0, 2) }, () => (pools.people.length ? r.pick(pools.people) : null))),
      ].filter((p): p is string => p !== null);
      const currency = r.pick(['NOK', 'NOK', 'NOK', 'EUR', 'SEK', 'USD']);
      const base = {
        pipelineId: pipeline.id,
        name: demoDealName(r, company?.name ?? null),
        amount: demoAmount(r),
        currency,
        companyId: company?.id ?? null,
        personIds,
        visibility: r.chance(0.05) ? ('private' as const) : ('workspace' as const),
      };
      if (stage.kind === 'open') {
        const created = daysAgo(now, r.int(0, 90));
        await createDeal(
          at(services, created),
          actor,
          ZCreateDealBody.parse({
            ...base,
            stageId: stage.id,
            expectedCloseDate: isoDate(new Date(now.getTime() + r.int(7, 120) * DAY_MS)),
          }),
        );
      } else {
        const closed = daysAgo(now, r.int(0, 360));
        const created = new Date(closed.getTime() - r.int(7, 60) * DAY_MS);
        const deal = await createDeal(
          at(services, created),
          actor,
          ZCreateDealBody.parse({ ...base, stageId: first.id, expectedCloseDate: isoDate(closed) }),
        );
        await moveDeal(at(services, closed), actor, deal.id, stage.id);
      }
    }
  },

  tasks: async ({ services, actor, r, pools, from, size, now }) => {
    for (let i = from; i < from + size; i++) {
      const shape = i % 4;
      const due =
        shape === 0
          ? daysAgo(now, r.int(1, 20)) // overdue
          : shape === 1
            ? daysAgo(now, r.int(1, 60)) // done
            : new Date(now.getTime() + r.int(1, 30) * DAY_MS);
      const deal = r.chance(0.4) && pools.deals.length ? r.pick(pools.deals) : null;
      const person = !deal && pools.people.length ? r.pick(pools.people) : null;
      await createTask(
        services,
        actor,
        ZCreateTaskBody.parse({
          title: demoTaskTitle(r),
          dueAt: due.toISOString(),
          assigneeId: actor.userId,
          status: shape === 1 ? 'done' : shape === 3 ? 'in_progress' : 'open',
          priority: r.pick(['low', 'normal', 'normal', 'high', 'urgent']),
          personIds: person ? [person] : [],
          dealIds: deal ? [deal.id] : [],
        }),
      );
    }
  },

  notes: async ({ services, actor, r, pools, size }) => {
    for (let i = 0; i < size; i++) {
      const roll = r.next();
      const links =
        roll < 0.6 && pools.people.length
          ? { personIds: [r.pick(pools.people)] }
          : roll < 0.8 && pools.companies.length
            ? { companyIds: [r.pick(pools.companies).id] }
            : pools.deals.length
              ? { dealIds: [r.pick(pools.deals).id] }
              : {};
      await createNote(services, actor, ZCreateNoteBody.parse({ bodyHtml: demoNoteHtml(r), ...links }));
    }
  },

  interactions: async ({ services, actor, r, pools, size, now }) => {
    for (let i = 0; i < size; i++) {
      const kind = r.chance(0.65) ? ('call' as const) : ('meeting' as const);
      const person = pools.people.length ? r.pick(pools.people) : null;
      const deal = r.chance(0.4) && pools.deals.length ? r.pick(pools.deals) : null;
      if (!person && !deal) continue;
      const occurredAt = new Date(daysAgo(now, r.int(0, 60)).getTime() + r.int(0, 8) * 60 * 60 * 1000);
      await createInteraction(
        services,
        actor,
        ZCreateInteractionBody.parse({
          kind,
          occurredAt: occurredAt.toISOString(),
          personIds: person ? [person] : [],
          dealIds: deal ? [deal.id] : [],
          subject: demoInteractionSubject(r, kind),
          durationSeconds: kind === 'call' ? r.int(60, 1800) : r.pick([1800, 3600, 5400]),
          ...(kind === 'call'
            ? {
                direction: r.pick(['in', 'out'] as const),
                outcome: r.pick(['connected', 'connected', 'no_answer', 'voicemail'] as const),
              }
            : {}),
        }),
      );
    }
  },
};
