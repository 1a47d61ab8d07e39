import type { TTrashItem, TTrashList, ZTrashListQuery } from '@tillit/contracts';
import { and, eq, isNotNull, lte, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { companies, deals, files, people, workspaces } from '../../db/schema/index.ts';
import { withSystemScope, withTenant } from '../../db/tenant.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import { heldPeople, heldRecords } from '../../privacy/retention/retention.holds.ts';
import type { Services } from '../../services.ts';
import { deleteStoredKeys, hasFilesToPurge, type PurgedFiles, purgeFilesIn } from '../files/files.purge.ts';
import { fileRecordVisible } from '../files/files.records.ts';
import { hasTasksOrProjectsToPurge, purgeTasksAndProjects, taskTrashParts } from '../tasks/tasks.trash.ts';
import {
  deleteWithTimeline,
  hasNotesToPurge,
  noteTrashBranch,
  purgeTrashedNotes,
  type TimelineRecordKind,
} from '../timeline/notes.trash.ts';
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

const BATCH = 500;

/**
 * Deletes for good, in batches, what one workspace put in the trash before `cutoff`, with
 * the notes and interactions that were only about those records, then the notes in the trash.
 */
async function purgeWorkspace(tx: Tx, workspaceId: string, cutoff: Date, now: Date) {
  const ws = workspaceId;
  const before = cutoff.toISOString();
  let removedPeople = 0;
  let removedCompanies = 0;
  let removedDeals = 0;
  let notes = 0;
  let interactions = 0;
  const drain = async (kind: TimelineRecordKind, pick: () => SQL) => {
    let removed = 0;
    for (;;) {
      const r = await deleteWithTimeline(tx, ws, kind, pick());
      removed += r.ids.length;
      notes += r.notes;
      interactions += r.interactions;
      if (r.ids.length < BATCH) return removed;
    }
  };
  // Deals first: their history and people links go with them (cascade).
  removedDeals = await drain(
    'deal',
    () => sql`select deal_id as id from deals where workspace_id = ${ws} and deleted_at is not null
      and deleted_at <= ${before}::timestamptz and deal_id not in ${heldRecords(ws, 'deals', now)} limit ${BATCH}`,
  );
  removedPeople = await drain(
    'person',
    () => sql`select person_id as id from people where workspace_id = ${ws} and deleted_at is not null
      and deleted_at <= ${before}::timestamptz and person_id not in ${heldPeople(ws, now)} limit ${BATCH}`,
  );
  removedCompanies = await drain(
    'company',
    () => sql`select company_id as id from companies where workspace_id = ${ws} and deleted_at is not null
      and deleted_at <= ${before}::timestamptz limit ${BATCH}`,
  );
  for (;;) {
    const n = await purgeTrashedNotes(tx, ws, cutoff, BATCH);
    notes += n;
    if (n < BATCH) break;
  }
  return { removedPeople, removedCompanies, removedDeals, notes, interactions };
}

/**
 * P-ACC-4: people, companies, deals, tasks and projects deleted more than 30 days ago (by `services.clock`) are
 * deleted for good, with their emails, phones and links; each workspace's audit chain
 * records how many. Safe to run again: a second run finds nothing.
 */
export async function purgeTrash(services: Services): Promise<PurgeResult> {
  const db = services.database.db;
  const now = services.clock.now();
  const cutoff = new Date(now.getTime() - TRASH_DAYS * DAY_MS);
  const ids = await withSystemScope(db, (tx) => tx.select({ workspaceId: workspaces.workspaceId }).from(workspaces));
  const total: PurgeResult = { workspaces: 0, people: 0, companies: 0, deals: 0, tasks: 0, projects: 0, files: 0 };
  for (const { workspaceId } of ids) {
    const due = await withTenant(db, { workspaceId }, async (tx) => {
      if (await hasFilesToPurge(tx, workspaceId, cutoff)) return true;
      const [p] = await tx
        .select({ id: people.personId })
        .from(people)
        .where(and(eq(people.workspaceId, workspaceId), isNotNull(people.deletedAt), lte(people.deletedAt, cutoff)))
        .limit(1);
      const [c] = await tx
        .select({ id: companies.companyId })
        .from(companies)
        .where(
          and(eq(companies.workspaceId, workspaceId), isNotNull(companies.deletedAt), lte(companies.deletedAt, cutoff)),
        )
        .limit(1);
      const [d] = await tx
        .select({ id: deals.dealId })
        .from(deals)
        .where(and(eq(deals.workspaceId, workspaceId), isNotNull(deals.deletedAt), lte(deals.deletedAt, cutoff)))
        .limit(1);
      if (await hasNotesToPurge(tx, workspaceId, cutoff)) return true;
      return Boolean(p || c || d) || (await hasTasksOrProjectsToPurge(tx, workspaceId, cutoff));
    });
    if (!due) continue;
    let purgedFiles: PurgedFiles = { count: 0, bytes: 0, keys: [] };
    const r = await withTenant(db, { workspaceId }, async (tx) => {
      // Files first: those in the trash, and every file of the records purged below.
      purgedFiles = await purgeFilesIn(tx, services, workspaceId, cutoff, now);
      // A person or deal under a legal hold stays in the trash until the hold ends (P-RET-2).
      const removed = await purgeWorkspace(tx, workspaceId, cutoff, now);
      const removedWork = await purgeTasksAndProjects(tx, workspaceId, cutoff);
      await appendAudit(
        tx,
        workspaceId,
        {
          actor: { kind: 'system' },
          action: 'trash.purged',
          details: {
            people: removed.removedPeople,
            companies: removed.removedCompanies,
            deals: removed.removedDeals,
            notes: removed.notes,
            interactions: removed.interactions,
            tasks: removedWork.removedTasks,
            projects: removedWork.removedProjects,
            files: purgedFiles.count,
            before: cutoff.toISOString(),
          },
        },
        now,
      );
      return { ...removed, ...removedWork };
    });
    // The bytes go once the rows are gone for good (see files.purge.ts).
    await deleteStoredKeys(services, purgedFiles.keys);
    total.files += purgedFiles.count;
    total.workspaces += 1;
    total.people += r.removedPeople;
    total.companies += r.removedCompanies;
    total.deals += r.removedDeals;
    total.tasks += r.removedTasks;
    total.projects += r.removedProjects;
  }
  return total;
}
