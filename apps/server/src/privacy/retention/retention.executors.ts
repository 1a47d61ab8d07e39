import { rm } from 'node:fs/promises';
import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { deleteStoredKeys } from '../../modules/files/files.purge.ts';
import { releaseQuota } from '../../modules/files/files.service.ts';
import { importFilePath } from '../../modules/import/import.files.ts';
import { deleteWithTimeline } from '../../modules/timeline/notes.trash.ts';
import type { Services } from '../../services.ts';
import { appendAudit } from '../audit/audit.service.ts';
import { fileHeld, heldPeople, heldRecords } from './retention.holds.ts';
import { purgeTrashedBatch, type TrashPurgeKey } from './retention.trash-batch.ts';

/**
 * How each enforced rule acts. `step` does one bounded piece of work (at most `BATCH` rows
 * of the largest table it touches) in the caller's transaction and says how many rows it
 * deleted or anonymised; the job commits after every step and calls it again until it
 * returns 0, so a run cut short resumes where it stopped and 10 million expired rows go in
 * bounded transactions. `count` answers "how many rows are due by `threshold`", stopping
 * at `cap` (the forecast never counts a whole table).
 */
export const BATCH = 5000;

export type StepContext = {
  services: Services;
  workspaceId: string;
  now: Date;
  /** Rows whose clock is at or before this are expired. */
  cutoff: Date;
  /** The cutoff of other rules a step depends on (audit.removed_users uses the general one). */
  cutoffOf(key: string): Date;
  /** The cutoff of this rule in the last completed run: rows at or before it were done then. */
  doneBefore?: Date | undefined;
  /**
   * What earlier steps of this run learnt, kept by `runRule` between them (in memory: a run
   * cut short starts again from the beginning, which is correct, only slower): where a
   * selection stopped, or that it is exhausted. A selection of rows due by the run's cutoff
   * only shrinks while the run goes (what is moved to the trash now is stamped now, after
   * the cutoff), so a step need not ask again what an earlier step found empty.
   */
  progress?: Map<string, unknown>;
};

/** Each rule's cutoff in the last completed run of this workspace (its `retention.run` entry). */
export async function lastRunCutoffs(tx: Tx, workspaceId: string): Promise<Map<string, Date>> {
  const [last] = rowsOf<{ details: { rules?: Record<string, { before?: string }> } }>(
    // The last complete run: one limited to some rules (`only`) says nothing of the others.
    await tx.execute(sql`select details from audit_entries where workspace_id = ${workspaceId} and action = 'retention.run'
      and details->'only' is null order by seq desc limit 1`),
  );
  const out = new Map<string, Date>();
  for (const [key, r] of Object.entries(last?.details.rules ?? {})) if (r.before) out.set(key, new Date(r.before));
  return out;
}

export type StepResult = {
  rows: number;
  /** What the rows were, by kind, for rules whose audit names them (the trash: people, files...). */
  counts?: Record<string, number>;
  afterCommit?: () => Promise<void>;
};

export type RuleExecutor = {
  step(tx: Tx, ctx: StepContext): Promise<StepResult>;
  count(tx: Tx, ctx: StepContext, cap: number): Promise<number>;
};

const rowsOf = <T = Record<string, unknown>>(r: unknown): T[] => (r as { rows: T[] }).rows;
const iso = (d: Date) => d.toISOString();

async function cappedCount(tx: Tx, inner: SQL, cap: number): Promise<number> {
  const r = await tx.execute(sql`select count(*)::int as n from (${inner} limit ${cap}) t`);
  return Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0);
}

/** A UUIDv7 lower than every id made at or after `at`: ids made with `newId(now)` order by
 *  time, so `id < boundary` finds rows older than `at` through the primary key. */
export function uuidBoundary(at: Date): string {
  const hex = Math.max(0, at.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

// ---- trash (P-ACC-4) ------------------------------------------------------------------

/*
 * The selections below take `cutoff: null` for "whatever the date": the person's privacy
 * panel (retention.person.ts) runs the job's own selection with no cutoff, restricted to one
 * person (`scope`), and reads the clock the selection compares with the cutoff (the
 * `*_CLOCK` expressions): a row is taken by the first run whose cutoff reaches its clock, so
 * the panel's date is the clock plus the rule's period, and the panel and the job cannot
 * disagree on which rows a rule acts on. `holds: 'include'` keeps held rows in (the panel
 * shows them as held); the job always excludes them.
 */
export type Holds = 'exclude' | 'include';

/** `and <clock> <= cutoff`, or nothing without a cutoff. */
function upTo(clock: SQL, cutoff: Date | null): SQL {
  return cutoff ? sql` and ${clock} <= ${iso(cutoff)}::timestamptz` : sql``;
}

/** What the trash rule's period counts from: when the record was moved to the trash. */
export const TRASH_CLOCK = sql.raw('deleted_at');

function trashed(table: string, idCol: string, ws: string, cutoff: Date | null, scope: SQL = sql``): SQL {
  return sql`select ${sql.raw(idCol)} from ${sql.raw(table)} where workspace_id = ${ws} and deleted_at is not null${upTo(TRASH_CLOCK, cutoff)}${scope}`;
}

/** Trashed rows the purge may take: not under a legal hold (people: any hold on them).
 *  Files have their own selection, `purgeableFiles`. */
export function purgeable(
  table: string,
  idCol: string,
  ws: string,
  cutoff: Date | null,
  now: Date,
  holds: Holds = 'exclude',
  scope: SQL = sql``,
): SQL {
  if (holds === 'include') return trashed(table, idCol, ws, cutoff, scope);
  const keep = table === 'people' ? heldPeople(ws, now) : heldRecords(ws, table, now);
  return sql`${trashed(table, idCol, ws, cutoff, scope)} and ${sql.raw(idCol)} not in ${keep}`;
}

/**
 * Files the trash rule deletes: those in the trash and those of a person, company or deal in
 * the trash, except files a legal hold keeps (`fileHeld`: held themselves, of a held person,
 * of a held deal, which stays in the trash with its files).
 */
export function purgeableFiles(ws: string, cutoff: Date | null, now: Date, holds: Holds, scope: SQL = sql``): SQL {
  const kept = holds === 'exclude' ? sql` and not ${fileHeld(ws, now)}` : sql``;
  // One branch per way into the trash, each on its own index (files_deleted_idx; the
  // record's *_deleted_idx, then files_record_all_idx), so the work follows what is in the
  // trash, not the workspace's files: an OR of the branches reads every file of the
  // workspace (measured on PostgreSQL with 1M files and 1,000 people in the trash: 370-450 ms
  // a count against 17-38 ms). The outer select applies the holds and the caller's scope.
  const ofTrashed = (kind: string, table: string, idCol: string) =>
    sql`select f.file_id from files f join ${sql.raw(table)} x on x.workspace_id = f.workspace_id and x.${sql.raw(idCol)} = f.record_id
      where f.workspace_id = ${ws} and f.record_kind = ${kind} and x.deleted_at is not null${upTo(sql.raw('x.deleted_at'), cutoff)}`;
  return sql`select file_id from files where workspace_id = ${ws} and file_id in (
      select file_id from files where workspace_id = ${ws} and deleted_at is not null${upTo(TRASH_CLOCK, cutoff)}
      union all ${ofTrashed('person', 'people', 'person_id')}
      union all ${ofTrashed('company', 'companies', 'company_id')}
      union all ${ofTrashed('deal', 'deals', 'deal_id')}
    )${kept}${scope}`;
}

/** A file's clock for the trash rule: the earliest of the branches of `purgeableFiles`
 *  (its own move to the trash, its record's). Over `files f`. */
export function fileTrashClock(ws: string): SQL {
  return sql`least(f.deleted_at, case f.record_kind
      when 'person' then (select x.deleted_at from people x where x.workspace_id = ${ws} and x.person_id = f.record_id)
      when 'company' then (select x.deleted_at from companies x where x.workspace_id = ${ws} and x.company_id = f.record_id)
      when 'deal' then (select x.deleted_at from deals x where x.workspace_id = ${ws} and x.deal_id = f.record_id)
    end)`;
}

const trash: RuleExecutor = {
  async step(tx, { services, workspaceId: ws, cutoff, now, progress = new Map() }): Promise<StepResult> {
    // Files first: those in the trash and those of the records purged below, except
    // files of people under a legal hold. Their bytes go after the commit.
    if (!progress.has('files')) {
      const f = await tx.execute(sql`delete from files where workspace_id = ${ws} and file_id in (
          ${purgeableFiles(ws, cutoff, now, 'exclude')} limit ${BATCH})
        returning size, storage_key, thumbnail_key`);
      const fileRows = rowsOf<{ size: string | number; storage_key: string; thumbnail_key: string | null }>(f);
      if (fileRows.length > 0) {
        const keys = fileRows.flatMap((r) => (r.thumbnail_key ? [r.storage_key, r.thumbnail_key] : [r.storage_key]));
        const bytes = fileRows.reduce((s, r) => s + Number(r.size), 0);
        await releaseQuota(tx, services, ws, bytes, fileRows.length);
        return {
          rows: fileRows.length,
          counts: { files: fileRows.length },
          afterCommit: async () => {
            await deleteStoredKeys(services, keys);
          },
        };
      }
      progress.set('files', 'exhausted');
    }
    // Then the records themselves (their emails, phones, links go by cascade), with the
    // notes and interactions that were only about them.
    for (const [table, idCol, kind] of [
      ['deals', 'deal_id', 'deal'],
      ['people', 'person_id', 'person'],
      ['companies', 'company_id', 'company'],
    ] as const) {
      if (progress.has(table)) continue;
      const r = await deleteWithTimeline(
        tx,
        ws,
        kind,
        sql`select ${sql.raw(idCol)} as id from (${purgeable(table, idCol, ws, cutoff, now)} limit ${BATCH}) t`,
      );
      if (r.ids.length > 0) {
        return {
          rows: r.ids.length + r.notes + r.interactions,
          counts: { [table]: r.ids.length, notes: r.notes, interactions: r.interactions },
        };
      }
      progress.set(table, 'exhausted');
    }
    // Notes, tasks and projects in the trash: one bounded batch per step, each after the last.
    for (const kind of ['notes', 'tasks', 'projects'] as const) {
      const at = progress.get(kind);
      if (at === 'exhausted') continue;
      const batch = await purgeTrashedBatch(tx, kind, ws, {
        cutoff,
        now,
        limit: BATCH,
        after: at as TrashPurgeKey | undefined,
      });
      if (batch.count > 0) {
        progress.set(kind, batch.last);
        return { rows: batch.count, counts: { [kind]: batch.count } };
      }
      progress.set(kind, 'exhausted');
    }
    return { rows: 0 };
  },
  async count(tx, { workspaceId: ws, cutoff, now }, cap) {
    // The same selections the step deletes from: files are those in the trash and those of
    // a person, company or deal in the trash (they go with their record), each counted once.
    const selections = [
      purgeable('people', 'person_id', ws, cutoff, now),
      purgeable('companies', 'company_id', ws, cutoff, now),
      purgeable('deals', 'deal_id', ws, cutoff, now),
      purgeableFiles(ws, cutoff, now, 'exclude'),
      purgeable('notes', 'note_id', ws, cutoff, now),
      purgeable('tasks', 'task_id', ws, cutoff, now),
      purgeable('projects', 'project_id', ws, cutoff, now),
    ];
    let total = 0;
    for (const selection of selections) {
      if (total >= cap) break;
      total += await cappedCount(tx, selection, cap - total);
    }
    return total;
  },
};

// ---- inactive prospects ---------------------------------------------------------------

/** What the inactive-prospect rule counts from (over `people p`): the later of the person's
 *  last change and their last call or note (greatest() skips the nulls of none). */
export function prospectClock(ws: string): SQL {
  return sql`greatest(p.updated_at,
      (select max(l.occurred_at) from interaction_people l where l.workspace_id = ${ws} and l.person_id = p.person_id),
      (select max(l.occurred_at) from note_people l where l.workspace_id = ${ws} and l.person_id = p.person_id))`;
}

export function inactiveProspects(
  ws: string,
  cutoff: Date | null,
  now: Date,
  holds: Holds = 'exclude',
  scope: SQL = sql``,
): SQL {
  // `p.updated_at <= cutoff` is implied by the clock; it stays for the (workspace, updated_at) index.
  const held = holds === 'exclude' ? sql` and p.person_id not in ${heldPeople(ws, now)}` : sql``;
  return sql`select p.person_id from people p
    join person_categories pc on pc.workspace_id = p.workspace_id and pc.person_id = p.person_id and pc.category = 'prospect'
    where p.workspace_id = ${ws} and p.deleted_at is null${upTo(sql.raw('p.updated_at'), cutoff)}${upTo(prospectClock(ws), cutoff)}
      and not exists (select 1 from person_categories o where o.workspace_id = ${ws} and o.person_id = p.person_id and o.category <> 'prospect')
      and not exists (select 1 from deal_people l where l.workspace_id = ${ws} and l.person_id = p.person_id)${held}${scope}`;
}

const prospects: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff, now }) {
    // To the trash (not gone at once): the trash rule purges them, and a member can still
    // restore one in between.
    const r =
      await tx.execute(sql`update people set deleted_at = ${iso(now)}::timestamptz, updated_at = ${iso(now)}::timestamptz
      where workspace_id = ${ws} and person_id in (${inactiveProspects(ws, cutoff, now)} limit ${BATCH})
      returning person_id`);
    return { rows: rowsOf(r).length };
  },
  count: (tx, { workspaceId: ws, cutoff, now }, cap) => cappedCount(tx, inactiveProspects(ws, cutoff, now), cap),
};

// ---- audit log personal details (P-SEC-6, P-ACC-3) ------------------------------------

/** What the audit rules count from: when the event happened. */
export const AUDIT_CLOCK = sql.raw('occurred_at');

export function auditPersonalDue(
  ws: string,
  cutoff: Date | null,
  doneBefore: Date | undefined,
  scope: SQL = sql``,
): SQL {
  // Entries at or before the last run's cutoff were cleared then (clearing is for good and
  // new entries are never older), so only the window since is read: a bounded index range
  // on (workspace_id, occurred_at) instead of every old entry each day.
  const since = doneBefore ? sql` and occurred_at > ${iso(doneBefore)}::timestamptz` : sql``;
  return sql`select seq from audit_entries where workspace_id = ${ws}${upTo(AUDIT_CLOCK, cutoff)}${since} and personal is not null${scope}`;
}

const auditSecurity: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff, doneBefore }) {
    const r = await tx.execute(sql`update audit_entries set personal = null
      where workspace_id = ${ws} and seq in (${auditPersonalDue(ws, cutoff, doneBefore)} limit ${BATCH}) returning seq`);
    return { rows: rowsOf(r).length };
  },
  count: (tx, { workspaceId: ws, cutoff, doneBefore }, cap) =>
    cappedCount(tx, auditPersonalDue(ws, cutoff, doneBefore), cap),
};

function removedUsersDue(ws: string, cutoff: Date, general: Date): SQL {
  // Older entries are the general rule's (audit.security_details): only the window between.
  return sql`select a.seq from audit_entries a where a.workspace_id = ${ws}
      and a.occurred_at <= ${iso(cutoff)}::timestamptz and a.occurred_at > ${iso(general)}::timestamptz
      and a.personal is not null
      and ((a.subject_user_id is not null and not exists (select 1 from members m where m.workspace_id = ${ws} and m.user_id = a.subject_user_id))
        or (a.actor_kind = 'user' and a.actor_id is not null and not exists (select 1 from members m where m.workspace_id = ${ws} and m.user_id = a.actor_id)))`;
}

const auditRemovedUsers: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff, cutoffOf }) {
    const general = cutoffOf('audit.security_details');
    if (general >= cutoff) return { rows: 0 };
    const r = await tx.execute(sql`update audit_entries set personal = null
      where workspace_id = ${ws} and seq in (${removedUsersDue(ws, cutoff, general)} limit ${BATCH}) returning seq`);
    return { rows: rowsOf(r).length };
  },
  async count(tx, { workspaceId: ws, cutoff, cutoffOf }, cap) {
    const general = cutoffOf('audit.security_details');
    if (general >= cutoff) return 0;
    return cappedCount(tx, removedUsersDue(ws, cutoff, general), cap);
  },
};

// ---- access log (P-SEC-6) -------------------------------------------------------------

const accessLog: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff, now }) {
    // Whole seals only, oldest first: a seal's rows go together and an `access.retired`
    // entry in the chain says so, so that verifyAccessSeals knows the seal was retired,
    // not tampered with. Unsealed rows wait for the seal job.
    const boundary = uuidBoundary(cutoff);
    const [oldest] = rowsOf<{ sealed_seq: string | number }>(
      await tx.execute(sql`select sealed_seq from access_log where workspace_id = ${ws} and entry_id < ${boundary}::uuid
        and sealed_seq is not null order by entry_id limit 1`),
    );
    if (!oldest) return { rows: 0 };
    const seq = Number(oldest.sealed_seq);
    const newer = rowsOf(
      await tx.execute(
        sql`select 1 from access_log where workspace_id = ${ws} and sealed_seq = ${seq} and entry_id >= ${boundary}::uuid limit 1`,
      ),
    );
    if (newer.length > 0) return { rows: 0 };
    const r = await tx.execute(
      sql`delete from access_log where workspace_id = ${ws} and sealed_seq = ${seq} returning entry_id`,
    );
    const n = rowsOf(r).length;
    await appendAudit(
      tx,
      ws,
      { actor: { kind: 'system' }, action: 'access.retired', details: { seq, rows: n, before: iso(cutoff) } },
      now,
    );
    return { rows: n };
  },
  count: (tx, { workspaceId: ws, cutoff }, cap) =>
    cappedCount(
      tx,
      sql`select 1 from access_log where workspace_id = ${ws} and entry_id < ${uuidBoundary(cutoff)}::uuid`,
      cap,
    ),
};

// ---- imports --------------------------------------------------------------------------

/** What the import rules count from: when the import was created, when the file was uploaded. */
export const IMPORT_CLOCK = sql.raw('created_at');
export const IMPORT_FILE_CLOCK = sql.raw('f.created_at');

export function finishedImports(ws: string, cutoff: Date | null): SQL {
  return sql`select import_id from imports where workspace_id = ${ws} and status in ('done', 'failed', 'undone')${upTo(IMPORT_CLOCK, cutoff)}`;
}

const importItems: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff }) {
    const r =
      await tx.execute(sql`delete from import_items where workspace_id = ${ws} and (import_id, kind, record_id) in (
        select import_id, kind, record_id from import_items where workspace_id = ${ws} and import_id in (${finishedImports(ws, cutoff)}) limit ${BATCH})
      returning record_id`);
    return { rows: rowsOf(r).length };
  },
  count: (tx, { workspaceId: ws, cutoff }, cap) =>
    cappedCount(
      tx,
      sql`select 1 from import_items where workspace_id = ${ws} and import_id in (${finishedImports(ws, cutoff)})`,
      cap,
    ),
};

export function dueImportFiles(ws: string, cutoff: Date | null): SQL {
  return sql`select f.file_id from import_files f where f.workspace_id = ${ws}${upTo(IMPORT_FILE_CLOCK, cutoff)}
    and not exists (select 1 from imports i where i.workspace_id = ${ws} and i.file_id = f.file_id and i.status in ('queued', 'running', 'undoing'))`;
}

const importFiles: RuleExecutor = {
  async step(tx, { services, workspaceId: ws, cutoff }) {
    const [file] = rowsOf<{ file_id: string }>(await tx.execute(sql`${dueImportFiles(ws, cutoff)} limit 1`));
    if (!file) return { rows: 0 };
    const imps = sql`select import_id from imports where workspace_id = ${ws} and file_id = ${file.file_id}`;
    // The big children first, in batches, so the final cascade is small.
    const items =
      await tx.execute(sql`delete from import_items where workspace_id = ${ws} and (import_id, kind, record_id) in (
        select import_id, kind, record_id from import_items where workspace_id = ${ws} and import_id in (${imps}) limit ${BATCH})
      returning record_id`);
    if (rowsOf(items).length > 0) return { rows: rowsOf(items).length };
    const errors =
      await tx.execute(sql`delete from import_errors where workspace_id = ${ws} and (import_id, row_no, seq) in (
        select import_id, row_no, seq from import_errors where workspace_id = ${ws} and import_id in (${imps}) limit ${BATCH})
      returning row_no`);
    if (rowsOf(errors).length > 0) return { rows: rowsOf(errors).length };
    await tx.execute(sql`delete from import_files where workspace_id = ${ws} and file_id = ${file.file_id}`);
    const path = importFilePath(services, ws, file.file_id);
    return { rows: 1, afterCommit: () => rm(path, { force: true }) };
  },
  count: (tx, { workspaceId: ws, cutoff }, cap) => cappedCount(tx, dueImportFiles(ws, cutoff), cap),
};

// ---- notifications --------------------------------------------------------------------

function dueNotifications(ws: string, cutoff: Date): SQL {
  // The id is a UUIDv7 made from the creation time: the primary key finds old rows.
  return sql`select notification_id from notifications where workspace_id = ${ws} and notification_id < ${uuidBoundary(new Date(cutoff.getTime() + 1))}::uuid and created_at <= ${iso(cutoff)}::timestamptz`;
}

const notifications: RuleExecutor = {
  async step(tx, { workspaceId: ws, cutoff }) {
    const r = await tx.execute(sql`delete from notifications where workspace_id = ${ws} and notification_id in (
        ${dueNotifications(ws, cutoff)} limit ${BATCH}) returning notification_id`);
    return { rows: rowsOf(r).length };
  },
  count: (tx, { workspaceId: ws, cutoff }, cap) => cappedCount(tx, dueNotifications(ws, cutoff), cap),
};

/** The executors of the workspace rules the job enforces, by rule key. The terminated
 *  workspace and the instance's sessions have their own paths in retention.enforce.ts. */
export const EXECUTORS: Record<string, RuleExecutor> = {
  trash,
  'prospects.inactive': prospects,
  'audit.security_details': auditSecurity,
  'audit.removed_users': auditRemovedUsers,
  access_log: accessLog,
  'import.items': importItems,
  'import.files': importFiles,
  notifications,
};

export const cutoffFor = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);
