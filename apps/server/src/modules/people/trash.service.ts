import type { TTrashItem, TTrashList, ZTrashListQuery } from '@tillit/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { companies, deals, files, people, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import { runRule } from '../../privacy/retention/retention.enforce.ts';
import { cutoffFor, EXECUTORS, type StepContext } from '../../privacy/retention/retention.executors.ts';
import { effectiveDays } from '../../privacy/retention/retention.service.ts';
import type { Services } from '../../services.ts';
import { fileRecordVisible } from '../files/files.records.ts';
import { taskTrashParts } from '../tasks/tasks.trash.ts';
import { noteTrashBranch } from '../timeline/notes.trash.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { decodeCursor, encodeCursor } from './people.cursor.ts';
import { visibleTo } from './people.policy.ts';
import { presentTrashItem, TRASH_DAYS } from './people.presenter.ts';
import { inTenant } from './people.service.ts';

export type TrashListInput = z.output<typeof ZTrashListQuery>;

/** What the caller can see of the trash, newest deletion first, keyset over (deleted_at, id). */
export async function listTrash(services: Services, actor: Actor, q: TrashListInput): Promise<TTrashList> {
  const ws = actor.workspaceId;
  let after: SQL | undefined;
  if (q.after) {
    const c = decodeCursor(q.after, 'trash.deletedAt', 'desc');
    after = sql`(deleted_at, id) < (${c.value}::timestamptz, ${c.id}::uuid)`;
  }
  const peopleVis = visibleTo(actor, people) ?? sql`true`;
  const companyVis = visibleTo(actor, companies) ?? sql`true`;
  const parts: SQL[] = [];
  if (!q.kind || q.kind === 'person') {
    parts.push(sql`select 'person' as kind, ${people.personId} as id, btrim(${people.firstName} || ' ' || ${people.lastName}) as name, ${people.deletedAt} as deleted_at
      from ${people} where ${people.workspaceId} = ${ws} and ${people.deletedAt} is not null and ${peopleVis}`);
  }
  if (!q.kind || q.kind === 'company') {
    parts.push(sql`select 'company' as kind, ${companies.companyId} as id, ${companies.name} as name, ${companies.deletedAt} as deleted_at
      from ${companies} where ${companies.workspaceId} = ${ws} and ${companies.deletedAt} is not null and ${companyVis}`);
  }
  if (!q.kind || q.kind === 'deal') {
    const dealVis = visibleTo(actor, deals) ?? sql`true`;
    parts.push(sql`select 'deal' as kind, ${deals.dealId} as id, ${deals.name} as name, ${deals.deletedAt} as deleted_at
      from ${deals} where ${deals.workspaceId} = ${ws} and ${deals.deletedAt} is not null and ${dealVis}`);
  }
  if (!q.kind || q.kind === 'file') {
    // A file shows while its record is live and visible; it goes and comes back with it.
    parts.push(sql`select 'file' as kind, ${files.fileId} as id, ${files.name} as name, ${files.deletedAt} as deleted_at
      from ${files} where ${files.workspaceId} = ${ws} and ${files.deletedAt} is not null and ${fileRecordVisible(actor)}`);
  }
  parts.push(...taskTrashParts(actor, q.kind));
  if (!q.kind || q.kind === 'note') parts.push(noteTrashBranch(actor));
  const union = sql.join(parts, sql` union all `);
  return inTenant(services, actor, async (tx) => {
    const res = await tx.execute(
      sql`select kind, id::text as id, name, deleted_at from (${union}) t ${after ? sql`where ${after}` : sql``}
          order by deleted_at desc, id desc limit ${q.limit + 1}`,
    );
    const rows = (
      res as unknown as { rows: { kind: TTrashItem['kind']; id: string; name: string; deleted_at: unknown }[] }
    ).rows;
    const items = rows
      .slice(0, q.limit)
      .map((r) => presentTrashItem(r.kind, r.id, r.name, new Date(r.deleted_at as string)));
    const last = items.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({ sort: 'trash.deletedAt', dir: 'desc', value: last.deletedAt, id: last.id })
        : null;
    return { items, nextCursor };
  });
}

export type PurgeResult = {
  workspaces: number;
  people: number;
  companies: number;
  deals: number;
  tasks: number;
  projects: number;
  files: number;
};

/**
 * P-ACC-4: what has been in the trash longer than the workspace's trash period (30 days, or
 * shorter if its admins set one; by `services.clock`) is deleted for good, with its files,
 * emails, phones and links and the notes and interactions only about it. This is the
 * retention engine's own `trash` rule (the same selection, legal holds honoured, steps of at
 * most 5,000 rows, each its own transaction); the job adds a `trash.purged` entry with the
 * counts to the chain of each workspace that had something. Safe to run again: a second run
 * finds nothing and writes nothing.
 */
export async function purgeTrash(services: Services): Promise<PurgeResult> {
  const db = services.database.db;
  const now = services.clock.now();
  const exec = EXECUTORS.trash;
  if (!exec) throw new Error('the trash retention rule has no executor');
  const ids = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  const total: PurgeResult = { workspaces: 0, people: 0, companies: 0, deals: 0, tasks: 0, projects: 0, files: 0 };
  for (const { workspaceId } of ids) {
    if (workspaceId === INSTANCE_SCOPE) continue;
    const due = await withTenant(db, { workspaceId }, async (tx) => {
      const days = (await effectiveDays(tx, workspaceId)).get('trash') ?? TRASH_DAYS;
      const cutoff = cutoffFor(now, days);
      const ctx: StepContext = { services, workspaceId, now, cutoff, cutoffOf: () => cutoff };
      return (await exec.count(tx, ctx, 1)) > 0 ? { ctx, days } : null;
    });
    if (!due) continue;
    const run = await runRule(exec, due.ctx);
    if (run.rows === 0) continue;
    const n = (kind: string) => run.counts[kind] ?? 0;
    await withTenant(db, { workspaceId }, (tx) =>
      appendAudit(
        tx,
        workspaceId,
        {
          actor: { kind: 'system' },
          action: 'trash.purged',
          details: {
            people: n('people'),
            companies: n('companies'),
            deals: n('deals'),
            notes: n('notes'),
            interactions: n('interactions'),
            tasks: n('tasks'),
            projects: n('projects'),
            files: n('files'),
            days: due.days,
            before: due.ctx.cutoff.toISOString(),
          },
        },
        now,
      ),
    );
    total.workspaces += 1;
    total.people += n('people');
    total.companies += n('companies');
    total.deals += n('deals');
    total.tasks += n('tasks');
    total.projects += n('projects');
    total.files += n('files');
  }
  return total;
}
