import type { TPersonRetention, TPersonRetentionItem, TPersonRetentionKind } from '@tillit/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { DAY_MS } from '../../lib/clock.ts';
import { activeHolds } from '../legal-holds/legal-holds.service.ts';
import {
  AUDIT_CLOCK,
  auditPersonalDue,
  dueImportFiles,
  fileTrashClock,
  finishedImports,
  IMPORT_CLOCK,
  IMPORT_FILE_CLOCK,
  inactiveProspects,
  lastRunCutoffs,
  prospectClock,
  purgeable,
  purgeableFiles,
  TRASH_CLOCK,
} from './retention.executors.ts';
import { fileHeld, heldPeople } from './retention.holds.ts';
import { retentionRule } from './retention.rules.ts';
import { effectiveDays } from './retention.service.ts';

/**
 * When the retention job will delete or anonymise each kind of one person's data (the
 * privacy panel, decision 0007). Each kind runs the job's own selection (retention.executors)
 * without a cutoff and restricted to the person, and reads the clock that selection compares
 * with the cutoff: the first daily run whose cutoff (its time minus the rule's period) reaches
 * a row's clock takes the row, so its date is the clock plus the period. Held rows are shown
 * (the job's selection with `holds: 'include'`) and flagged by the same legal-hold sub-select
 * the job excludes them with.
 */
export async function personRetention(
  tx: Tx,
  workspaceId: string,
  personId: string,
  now: Date,
): Promise<TPersonRetention> {
  const ws = workspaceId;
  const days = await effectiveDays(tx, ws);
  const done = await lastRunCutoffs(tx, ws);
  const daysOf = (key: string) => days.get(key) ?? retentionRule(key)?.defaultDays ?? 0;
  const holds = await activeHolds(tx, ws, personId, now);
  // The latest end of the person's active holds; null when one has none (until released).
  const heldUntil =
    holds.length === 0 || holds.some((h) => h.until === null)
      ? null
      : new Date(Math.max(...holds.map((h) => (h.until as Date).getTime()))).toISOString();
  const me = sql`${personId}`;
  const items: TPersonRetentionItem[] = [];

  // The person (with their emails, phones, tags, links: they go with the row).
  const trashedRows = await clocks(
    tx,
    sql`select p.${TRASH_CLOCK} as clock, p.person_id in ${heldPeople(ws, now)} as held from people p
      where p.workspace_id = ${ws} and p.person_id in (${purgeable('people', 'person_id', ws, null, now, 'include', sql` and person_id = ${me}`)})`,
  );
  if (trashedRows.length > 0) {
    items.push(item('person', 'trash', daysOf('trash'), trashedRows, heldUntil));
  } else {
    const prospect = await clocks(
      tx,
      sql`select ${prospectClock(ws)} as clock, p.person_id in ${heldPeople(ws, now)} as held from people p
        where p.workspace_id = ${ws} and p.person_id in (${inactiveProspects(ws, null, now, 'include', sql` and p.person_id = ${me}`)})`,
    );
    if (prospect.length > 0) {
      const it = item('person', 'prospects.inactive', daysOf('prospects.inactive'), prospect, heldUntil);
      // The run that moves them to the trash stamps its own time; the trash rule counts from it.
      if (it.dueAt) it.deletedAt = new Date(Date.parse(it.dueAt) + daysOf('trash') * DAY_MS).toISOString();
      items.push(it);
    } else {
      items.push(none('person'));
    }
  }

  // Their files: in the trash, or of a record in the trash.
  const files = await clocks(
    tx,
    sql`select ${fileTrashClock(ws)} as clock, ${fileHeld(ws, now)} as held
      from files f where f.workspace_id = ${ws} and f.file_id in (${purgeableFiles(
        ws,
        null,
        now,
        'include',
        sql` and (person_id = ${me} or (record_kind = 'person' and record_id = ${me}))`,
      )})`,
  );
  if (files.length > 0) items.push(item('files', 'trash', daysOf('trash'), files, heldUntil));

  // Undo copies of them kept by finished imports: the import.items rule, or earlier the
  // import.files rule when it removes the import's file and history first.
  const undo = await rowsOf<{ items_clock: Date | string; file_clock: Date | string | null }>(
    tx,
    sql`select i.${IMPORT_CLOCK} as items_clock,
        (select ${IMPORT_FILE_CLOCK} from import_files f where f.workspace_id = ${ws} and f.file_id = i.file_id
          and f.file_id in (${dueImportFiles(ws, null)})) as file_clock
      from imports i where i.workspace_id = ${ws} and i.import_id in (${finishedImports(ws, null)})
        and exists (select 1 from import_items it where it.workspace_id = ${ws} and it.import_id = i.import_id
          and it.kind = 'person' and it.record_id = ${me})`,
  );
  const byItems: Row[] = [];
  const byFile: Row[] = [];
  for (const u of undo) {
    const a = toDate(u.items_clock).getTime() + daysOf('import.items') * DAY_MS;
    const b = u.file_clock
      ? toDate(u.file_clock).getTime() + daysOf('import.files') * DAY_MS
      : Number.POSITIVE_INFINITY;
    if (b < a) byFile.push({ clock: toDate(u.file_clock as Date | string), held: false });
    else byItems.push({ clock: toDate(u.items_clock), held: false });
  }
  if (byItems.length > 0) items.push(item('import_undo', 'import.items', daysOf('import.items'), byItems, null));
  if (byFile.length > 0) items.push(item('import_undo', 'import.files', daysOf('import.files'), byFile, null));

  // The uploaded files they were imported from (no running import uses them).
  const sources = await clocks(
    tx,
    sql`select ${IMPORT_FILE_CLOCK} as clock, false as held from import_files f where f.workspace_id = ${ws}
      and f.file_id in (${dueImportFiles(ws, null)})
      and f.file_id in (select i.file_id from imports i join import_items it on it.workspace_id = i.workspace_id
        and it.import_id = i.import_id where i.workspace_id = ${ws} and it.kind = 'person' and it.record_id = ${me})`,
  );
  if (sources.length > 0) items.push(item('import_file', 'import.files', daysOf('import.files'), sources, null));

  // Personal details (IP, browser, email) in the audit entries about them.
  const audit = await clocks(
    tx,
    sql`select ${AUDIT_CLOCK} as clock, false as held from audit_entries where workspace_id = ${ws} and seq in (${auditPersonalDue(
      ws,
      null,
      done.get('audit.security_details'),
      sql` and target_type = 'person' and target_id = ${personId}`,
    )})`,
  );
  if (audit.length > 0) {
    items.push(item('audit_details', 'audit.security_details', daysOf('audit.security_details'), audit, null));
  }

  return { personId, at: now.toISOString(), items };

  function item(
    kind: TPersonRetentionKind,
    key: string,
    d: number,
    rows: Row[],
    until: string | null,
  ): TPersonRetentionItem {
    const rule = retentionRule(key);
    const times = rows.map((r) => r.clock.getTime());
    const first = Math.min(...times);
    const last = Math.max(...times);
    const held = Boolean(rule?.honoursLegalHolds) && rows.some((r) => r.held);
    return {
      kind,
      ruleKey: key,
      ruleTitle: rule?.title ?? key,
      action: key === 'prospects.inactive' ? 'trash' : (rule?.action ?? 'delete'),
      days: d,
      count: rows.length,
      clock: rule?.clock ?? null,
      since: new Date(first).toISOString(),
      dueAt: new Date(first + d * DAY_MS).toISOString(),
      lastDueAt: new Date(last + d * DAY_MS).toISOString(),
      deletedAt: rule?.action === 'delete' ? new Date(first + d * DAY_MS).toISOString() : null,
      held,
      heldUntil: held ? until : null,
    };
  }
}

type Row = { clock: Date; held: boolean };

function none(kind: TPersonRetentionKind): TPersonRetentionItem {
  return {
    kind,
    ruleKey: null,
    ruleTitle: null,
    action: null,
    days: null,
    count: 1,
    clock: null,
    since: null,
    dueAt: null,
    lastDueAt: null,
    deletedAt: null,
    held: false,
    heldUntil: null,
  };
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

async function rowsOf<T>(tx: Tx, q: SQL): Promise<T[]> {
  const r = await tx.execute(q);
  return (r as unknown as { rows: T[] }).rows;
}

async function clocks(tx: Tx, q: SQL): Promise<Row[]> {
  const rows = await rowsOf<{ clock: Date | string | null; held: boolean | string }>(tx, q);
  return rows
    .filter((r) => r.clock !== null)
    .map((r) => ({ clock: toDate(r.clock as Date | string), held: r.held === true || r.held === 't' }));
}
