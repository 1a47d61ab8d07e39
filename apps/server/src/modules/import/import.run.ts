import { existsSync } from 'node:fs';
import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { arrayParam, insertUnnest } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import {
  companies,
  companyFieldValues,
  customFields,
  importErrors,
  importFiles,
  importItems,
  imports,
  members,
  people,
  personCategories,
  personCompanies,
  personEmails,
  personFieldValues,
  personPhones,
  personTags,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import { tombstonedRowIdentifiers, tombstoneRefusal } from '../../privacy/erasure/tombstones.ts';
import type { Services } from '../../services.ts';
import { type CheckedValues, type FieldRow, loadFields } from '../custom-fields/custom-fields.service.ts';
import { insertPeopleRows } from '../people/people.bulk.ts';
import { cleanTags } from '../people/people.cursor.ts';
import { visibleTo } from '../people/people.policy.ts';
import { assertAllowed } from '../permissions/permissions.ts';
import { forgetUnusedWords, reindexRecords, rowsOf } from '../search/search.index.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { CsvStructureError, readCsv } from './import.csv.ts';
import { importFilePath } from './import.files.ts';
import type { ImportOptions } from './import.options.ts';
import {
  buildCandidate,
  type Candidate,
  type CandidateOptions,
  columnsOf,
  mapCsvRecord,
  type RowProblem,
  type SourceRecord,
} from './import.rows.ts';
import { readVcards, VcardStructureError } from './import.vcard.ts';

/** A run holds an import this long after its last batch; a crashed run's import is taken
 *  over by the next sweep once it runs out. */
export const LEASE_MS = 5 * 60_000;
export const BATCH_SIZE = 1000;
/** A dry run remembers the keys seen earlier in the file (nothing is written to find them
 *  in); past this many it stops noticing duplicates inside the file, and says so. */
const DRY_RUN_KEY_LIMIT = 500_000;

export type RunOptions = { maxBatches?: number; batchSize?: number };
export type RunOutcome = 'busy' | 'done' | 'failed' | 'paused' | 'undone';

type ImportRow = typeof imports.$inferSelect;
type FileRow = typeof importFiles.$inferSelect;

const chunk = <T>(rows: T[], cols: number): T[][] => {
  const size = Math.max(1, Math.floor(20_000 / cols));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

const tenant = <T>(services: Services, workspaceId: string, fn: (tx: Tx) => Promise<T>) =>
  withTenant(services.database.db, { workspaceId }, fn);

/** Takes the import for this run if nobody holds it (queued, or a lease that ran out). */
async function claim(services: Services, workspaceId: string, importId: string): Promise<ImportRow | null> {
  const now = services.clock.now();
  return tenant(services, workspaceId, async (tx) => {
    const [row] = await tx
      .update(imports)
      .set({
        leaseUntil: new Date(now.getTime() + LEASE_MS),
        status: sql`case when ${imports.status} = 'queued' then 'running' else ${imports.status} end`,
        startedAt: sql`coalesce(${imports.startedAt}, ${now.toISOString()}::timestamptz)`,
      })
      .where(
        and(
          eq(imports.workspaceId, workspaceId),
          eq(imports.importId, importId),
          inArray(imports.status, ['queued', 'running', 'undoing']),
          or(isNull(imports.leaseUntil), sql`${imports.leaseUntil} < ${now.toISOString()}::timestamptz`),
        ),
      )
      .returning();
    return row ?? null;
  });
}

async function finish(
  services: Services,
  row: ImportRow,
  status: 'done' | 'failed' | 'undone',
  error: string | null = null,
): Promise<void> {
  const now = services.clock.now();
  await tenant(services, row.workspaceId, async (tx) => {
    await tx
      .update(imports)
      .set({
        status,
        error,
        leaseUntil: null,
        ...(status === 'undone' ? { undoneAt: now } : { finishedAt: now }),
      })
      .where(and(eq(imports.workspaceId, row.workspaceId), eq(imports.importId, row.importId)));
    await appendAudit(
      tx,
      row.workspaceId,
      {
        actor: { kind: 'system' },
        action: status === 'undone' ? 'import.undone' : status === 'done' ? 'import.finished' : 'import.failed',
        target: { type: 'import', id: row.importId },
        details: { dryRun: row.dryRun },
      },
      now,
    );
  });
}

/**
 * Runs (or resumes) one import or its undo. Each batch commits its people, its report
 * rows and the import's progress in one transaction, so a run cut short anywhere resumes at
 * the first record not yet committed and writes nothing twice.
 */
export async function processImport(
  services: Services,
  workspaceId: string,
  importId: string,
  opts: RunOptions = {},
): Promise<RunOutcome> {
  const row = await claim(services, workspaceId, importId);
  if (!row) return 'busy';
  if (row.status === 'undoing') return runUndo(services, row, opts);
  const [file] = await tenant(services, workspaceId, (tx) =>
    tx
      .select()
      .from(importFiles)
      .where(and(eq(importFiles.workspaceId, workspaceId), eq(importFiles.fileId, row.fileId))),
  );
  const path = file ? importFilePath(services, workspaceId, file.fileId) : '';
  if (!file || !existsSync(path)) {
    await finish(services, row, 'failed', 'The uploaded file is no longer there; upload it again.');
    return 'failed';
  }
  const actor = await importer(services, row);
  if (!actor) {
    await finish(services, row, 'failed', 'The member who started the import may no longer import.');
    return 'failed';
  }
  try {
    return await runImport(services, row, file, path, actor, opts);
  } catch (err) {
    if (err instanceof CsvStructureError || err instanceof VcardStructureError) {
      await finish(services, row, 'failed', err.message);
      return 'failed';
    }
    throw err;
  }
}

/** The member who started the import, with their role now: a member demoted to viewer
 *  (or removed) since then stops the import. */
async function importer(services: Services, row: ImportRow): Promise<Actor | null> {
  if (!row.createdBy) return null;
  const userId = row.createdBy;
  const [m] = await tenant(services, row.workspaceId, (tx) =>
    tx
      .select({ role: members.role })
      .from(members)
      .where(and(eq(members.workspaceId, row.workspaceId), eq(members.userId, userId))),
  );
  if (!m || !roleAtLeast(m.role, 'member')) return null;
  try {
    await assertAllowed(services, { workspaceId: row.workspaceId, role: m.role, userId }, 'people', 'import');
  } catch {
    return null;
  }
  return { workspaceId: row.workspaceId, userId, role: m.role, twoFactorEnabled: true };
}

/** The records of the file, mapped to fields. */
async function* records(file: FileRow, path: string, options: ImportOptions): AsyncGenerator<SourceRecord> {
  if (file.format === 'vcard') {
    yield* readVcards(path, options.encoding, options.properties ?? {});
    return;
  }
  let headers: string[] | null = null;
  let columns: ReturnType<typeof columnsOf> | undefined;
  for await (const rec of readCsv(path, options.encoding, options.delimiter ?? ',')) {
    if (!headers) {
      headers = options.headers ?? rec.values;
      columns = columnsOf(headers, options.mapping ?? []);
      continue;
    }
    yield mapCsvRecord(rec.row, rec.values, headers, options.mapping ?? [], rec.bytes, columns);
  }
}

async function runImport(
  services: Services,
  row: ImportRow,
  file: FileRow,
  path: string,
  actor: Actor,
  opts: RunOptions,
): Promise<RunOutcome> {
  const options = row.options as ImportOptions;
  const ws = row.workspaceId;
  // The custom fields of people and of companies the mapping names, as they are now (checked
  // again: a field deleted since the import was created stops it before anything more is written).
  const targets = [...(options.mapping ?? []), ...Object.values(options.properties ?? {})];
  const mappedKeys = targets.flatMap((f) => (f?.startsWith('cf.') ? [f.slice(3)] : []));
  const companyKeys = targets.flatMap((f) => (f?.startsWith('company.cf.') ? [f.slice(11)] : []));
  const fieldByKey = new Map<string, FieldRow>();
  const companyFieldByKey = new Map<string, FieldRow>();
  if (mappedKeys.length || companyKeys.length) {
    const all = await tenant(services, ws, (tx) => loadFields(tx, ws));
    for (const f of all) {
      if (f.object === 'person' && mappedKeys.includes(f.key)) fieldByKey.set(f.key, f);
      if (f.object === 'company' && companyKeys.includes(f.key)) companyFieldByKey.set(f.key, f);
    }
    const gone = [
      ...mappedKeys.filter((k) => !fieldByKey.has(k)),
      ...companyKeys.filter((k) => !companyFieldByKey.has(k)).map((k) => `company.${k}`),
    ];
    if (gone.length) {
      await finish(services, row, 'failed', `The custom field ${gone.join(', ')} no longer exists.`);
      return 'failed';
    }
  }
  const fields: BatchFields = { person: fieldByKey, company: companyFieldByKey };
  let done = row.rowsRead;
  if (done === 0 || row.dryRun) {
    // Before anything is written, the whole file is read once: a file broken as a whole
    // (an unclosed quote, no vCard in it) fails here with nothing imported.
    for await (const _ of records(file, path, options)) {
      // only the structure is checked
    }
    if (row.dryRun && done > 0) {
      // A dry run's memory of the keys is gone with the crashed run: start it over.
      await tenant(services, ws, async (tx) => {
        await tx
          .delete(importErrors)
          .where(and(eq(importErrors.workspaceId, ws), eq(importErrors.importId, row.importId)));
        await tx
          .update(imports)
          .set({
            rowsRead: 0,
            rowsCreated: 0,
            rowsUpdated: 0,
            rowsSkipped: 0,
            rowsFailed: 0,
            companiesCreated: 0,
            bytesRead: 0,
          })
          .where(and(eq(imports.workspaceId, ws), eq(imports.importId, row.importId)));
      });
      done = 0;
    }
  }
  const size = opts.batchSize ?? BATCH_SIZE;
  const dryKeys = row.dryRun ? new Map<string, DryTarget>() : null;
  const candidateOptions: CandidateOptions = {
    country: options.country,
    defaults: options.defaults,
    customFields: fields.person,
    companyFields: fields.company,
  };
  let batches = 0;
  let seq = 0;
  const resumeAt = done;
  let batch: SourceRecord[] = [];
  // Two stages: while one batch's transaction runs on the database, the next batch is read
  // from the file and checked here (parsing and validation are CPU work in this process).
  // The next write starts only once the previous one committed, so batches commit in order.
  let writing: { outcome: Promise<'ok' | 'stale'>; rows: number; full: boolean } | null = null;
  const settle = async (): Promise<boolean> => {
    if (!writing) return true;
    const { outcome, rows } = writing;
    writing = null;
    if ((await outcome) === 'stale') return false;
    done += rows;
    batches += 1;
    return true;
  };
  const start = (full: boolean) => {
    const outcome = writeBatch(
      services,
      row,
      actor,
      options,
      buildBatch(batch, candidateOptions),
      done,
      dryKeys,
      fields,
    );
    // Awaited in settle(); a failure must not surface as an unhandled rejection meanwhile.
    outcome.catch(() => {});
    writing = { outcome, rows: batch.length, full };
    batch = [];
  };
  const paused = () => opts.maxBatches !== undefined && batches >= opts.maxBatches;
  try {
    for await (const rec of records(file, path, options)) {
      seq += 1;
      if (seq <= resumeAt) continue;
      batch.push(rec);
      if (batch.length >= size) {
        if (!(await settle())) return 'busy';
        if (paused()) return 'paused';
        start(true);
      }
    }
    const lastWasFull = writing !== null && (writing as { full: boolean }).full;
    if (!(await settle())) return 'busy';
    // As before the pipeline: a run stops after its last allowed full batch.
    if (lastWasFull && paused()) return 'paused';
    if (batch.length) {
      start(false);
      if (!(await settle())) return 'busy';
    }
  } finally {
    // A failure while reading (or an early return) never leaves a batch's transaction running.
    await (writing as { outcome: Promise<unknown> } | null)?.outcome.catch(() => {});
  }
  await finish(services, row, 'done');
  return 'done';
}

/** A batch's records checked and converted (CPU only: no database). */
type BuiltBatch = {
  records: number;
  bytes: number | null;
  candidates: Candidate[];
  problems: { row: number; list: RowProblem[] }[];
};

function buildBatch(batch: SourceRecord[], opts: CandidateOptions): BuiltBatch {
  const problems: { row: number; list: RowProblem[] }[] = [];
  const candidates: Candidate[] = [];
  for (const r of batch) {
    const built = buildCandidate(r, opts);
    if (built.ok) candidates.push(built.candidate);
    else problems.push({ row: r.row, list: built.problems });
  }
  return { records: batch.length, bytes: batch.at(-1)?.bytes ?? null, candidates, problems };
}

type DryTarget = 'new' | 'existing';

type Change = {
  firstName?: string;
  lastName?: string;
  title?: string | null;
  address: Record<string, string | null>;
  emails: Candidate['person']['emails'];
  phones: Candidate['person']['phones'];
  tags: string[];
  categories: string[];
  company: Candidate['company'];
  /** Mapped custom fields the rows gave: each replaces the person's value of that field. */
  custom: CheckedValues;
};

function changeOf(c: Candidate): Change {
  const p = c.person;
  const change: Change = {
    address: {},
    emails: [...p.emails],
    phones: [...p.phones],
    tags: [...p.tags],
    categories: [...p.subjectCategories],
    company: c.company,
    custom: [...c.custom],
  };
  if (p.firstName) change.firstName = p.firstName;
  if (p.lastName) change.lastName = p.lastName;
  if (p.title) change.title = p.title;
  for (const [k, v] of Object.entries(p.address ?? {})) if (v) change.address[k] = v;
  return change;
}

/** Row values win over what was there; lists grow (nothing is taken away by an import). */
function mergeInto(target: Change, more: Change): void {
  if (more.firstName) target.firstName = more.firstName;
  if (more.lastName) target.lastName = more.lastName;
  if (more.title) target.title = more.title;
  Object.assign(target.address, more.address);
  for (const e of more.emails) if (!target.emails.some((x) => x.value === e.value)) target.emails.push(e);
  for (const p of more.phones) if (!target.phones.some((x) => x.value === p.value)) target.phones.push(p);
  for (const t of more.tags) if (!target.tags.includes(t)) target.tags.push(t);
  for (const c of more.categories) if (!target.categories.includes(c)) target.categories.push(c);
  if (more.company) target.company = more.company;
  for (const v of more.custom) {
    const i = target.custom.findIndex((x) => x.field.fieldId === v.field.fieldId);
    if (i >= 0) target.custom[i] = v;
    else target.custom.push(v);
  }
}

type Existing = {
  /** key → the person a row with that key lands on (the oldest when several have it). */
  byKey: Map<string, string>;
  /** `${personId} ${key}` for every key each of those people already has. */
  has: Set<string>;
};

/**
 * Existing, live people the importer can see, by normalised email and phone: two index
 * look-ups on (workspace_id, email|phone) with `= any(...)`, then one primary-key probe per
 * match for liveness and visibility. (A join let the planner scan the workspace's people.)
 */
async function findExisting(tx: Tx, actor: Actor, keys: string[]): Promise<Existing> {
  const emails = keys.filter((k) => k.startsWith('e:')).map((k) => k.slice(2));
  const phones = keys.filter((k) => k.startsWith('p:')).map((k) => k.slice(2));
  const ws = actor.workspaceId;
  const hits: { key: string; personId: string }[] = [];
  if (emails.length) {
    const rows = await tx
      .select({ email: personEmails.email, personId: personEmails.personId })
      .from(personEmails)
      .where(and(eq(personEmails.workspaceId, ws), sql`${personEmails.email} = any(${arrayParam(emails)}::text[])`));
    for (const r of rows) hits.push({ key: `e:${r.email}`, personId: r.personId });
  }
  if (phones.length) {
    const rows = await tx
      .select({ phone: personPhones.phone, personId: personPhones.personId })
      .from(personPhones)
      .where(and(eq(personPhones.workspaceId, ws), sql`${personPhones.phone} = any(${arrayParam(phones)}::text[])`));
    for (const r of rows) hits.push({ key: `p:${r.phone}`, personId: r.personId });
  }
  const found = new Map<string, string>();
  const has = new Set<string>();
  if (!hits.length) return { byKey: found, has };
  const live = await tx
    .select({ personId: people.personId })
    .from(people)
    .where(
      and(
        eq(people.workspaceId, ws),
        sql`${people.personId} = any(${arrayParam([...new Set(hits.map((h) => h.personId))])}::uuid[])`,
        isNull(people.deletedAt),
        visibleTo(actor, people),
      ),
    );
  const ok = new Set(live.map((p) => p.personId));
  // The oldest person wins when several have the key (ids are time-ordered).
  hits.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  for (const h of hits) {
    if (!ok.has(h.personId)) continue;
    if (!found.has(h.key)) found.set(h.key, h.personId);
    has.add(`${h.personId} ${h.key}`);
  }
  return { byKey: found, has };
}

type Tally = { created: number; updated: number; skipped: number; failed: number; companiesCreated: number };
/** The mapped custom fields by key: of people (`cf.<key>`) and of companies (`company.cf.<key>`). */
type BatchFields = { person: ReadonlyMap<string, FieldRow>; company: ReadonlyMap<string, FieldRow> };
/** A row's values for its company's custom fields, written once its company is known. */
type CompanyWrite = { row: number; company: NonNullable<Candidate['company']>; custom: Candidate['companyCustom'] };

async function writeBatch(
  services: Services,
  row: ImportRow,
  actor: Actor,
  options: ImportOptions,
  built: BuiltBatch,
  from: number,
  dryKeys: Map<string, DryTarget> | null,
  fields: BatchFields,
): Promise<'ok' | 'stale'> {
  const fieldByKey = fields.person;
  const now = services.clock.now();
  const ws = row.workspaceId;
  const { candidates, records: batchLength } = built;
  const problems = [...built.problems];
  const tally: Tally = { created: 0, updated: 0, skipped: 0, failed: problems.length, companiesCreated: 0 };
  const bytes = built.bytes ?? row.bytesRead;
  return tenant(services, ws, async (tx) => {
    const [current] = await tx
      .select({ rowsRead: imports.rowsRead, status: imports.status })
      .from(imports)
      .where(and(eq(imports.workspaceId, ws), eq(imports.importId, row.importId)))
      .for('update');
    // Another run got here first (a lease taken over): this batch is already written.
    if (!current || current.rowsRead !== from || current.status !== 'running') return 'stale';
    // P-DSR-3: the rows' emails and phones that belong to an erased person (one look-up);
    // what that means for each row is decided below, once the row's target is known.
    const tombstoned = await tombstonedRowIdentifiers(tx, { keys: services.keys, workspaceId: ws }, candidates);

    const mode = options.duplicates;
    const allKeys = [...new Set(candidates.flatMap((c) => c.keys))];
    const existing: Existing =
      mode === 'create' ? { byKey: new Map(), has: new Set() } : await findExisting(tx, actor, allKeys);

    // Plan: each row creates a person, updates one, is skipped as a duplicate, or is refused
    // because it would write an erased person's identifier onto someone who does not have it.
    const creates: { personId: string; change: Change }[] = [];
    const updates = new Map<string, Change>();
    const seenInBatch = new Map<string, { kind: 'new'; index: number } | { kind: 'existing'; personId: string }>();
    const refuse = (c: Candidate, list: { field: 'email' | 'phone'; value: string }[]) => {
      problems.push({ row: c.row, list: tombstoneRefusal(list) });
      tally.failed += 1;
    };
    const companyWrites: CompanyWrite[] = [];
    for (const c of candidates) {
      let target: { kind: 'new'; index: number } | { kind: 'existing'; personId: string } | null = null;
      let dryHit = false;
      if (mode !== 'create') {
        for (const k of c.keys) {
          const inBatch = seenInBatch.get(k);
          if (inBatch) {
            target = inBatch;
            break;
          }
          const id = existing.byKey.get(k);
          if (id) {
            target = { kind: 'existing', personId: id };
            break;
          }
          if (dryKeys?.has(k)) dryHit = true;
        }
      }
      // A skipped row writes nothing, so an erased identifier in it changes nothing.
      if ((target || dryHit) && mode === 'skip') {
        tally.skipped += 1;
        continue;
      }
      // The tombstone forbids bringing the erased person back, not updating a person who
      // still exists: only identifiers the target does not already have are refused. A new
      // person (or one created earlier in this import) has none of them.
      const erased = tombstoned.get(c.row) ?? [];
      const onto = target?.kind === 'existing' ? target.personId : null;
      const added = onto
        ? erased.filter((t) => !existing.has.has(`${onto} ${t.field === 'email' ? 'e' : 'p'}:${t.value}`))
        : erased;
      if (added.length > 0) {
        refuse(c, added);
        continue;
      }
      if (!target && dryHit) {
        // Dry run: a person an earlier batch would have created.
        tally.updated += 1;
        continue;
      }
      const change = changeOf(c);
      if (c.company && c.companyCustom.length)
        companyWrites.push({ row: c.row, company: c.company, custom: c.companyCustom });
      if (target && mode === 'update') {
        tally.updated += 1;
        if (target.kind === 'new') {
          const t = creates[target.index];
          if (t) mergeInto(t.change, change);
        } else {
          const prev = updates.get(target.personId);
          if (prev) mergeInto(prev, change);
          else updates.set(target.personId, change);
        }
        for (const k of c.keys) if (!seenInBatch.has(k)) seenInBatch.set(k, target);
        continue;
      }
      tally.created += 1;
      const index = creates.length;
      creates.push({ personId: newId(now.getTime()), change });
      for (const k of c.keys) if (!seenInBatch.has(k)) seenInBatch.set(k, { kind: 'new', index });
    }

    const errorRows = problems.flatMap((p) =>
      p.list.slice(0, 50).map((x, i) => ({
        workspaceId: ws,
        importId: row.importId,
        rowNo: p.row,
        seq: i,
        field: x.field.slice(0, 200),
        problem: x.problem.slice(0, 500),
      })),
    );
    for (const part of chunk(errorRows, 6)) await tx.insert(importErrors).values(part).onConflictDoNothing();

    if (dryKeys) {
      for (const k of seenInBatch.keys()) if (dryKeys.size < DRY_RUN_KEY_LIMIT) dryKeys.set(k, 'new');
      const wouldCreate = await countNewCompanies(tx, actor, [
        ...creates.map((x) => x.change.company),
        ...[...updates.values()].map((x) => x.company),
      ]);
      tally.companiesCreated = wouldCreate;
    } else {
      const companyIds = await resolveCompanies(tx, actor, row, options, now, [
        ...creates.map((x) => x.change.company),
        ...[...updates.values()].map((x) => x.company),
      ]);
      tally.companiesCreated = companyIds.created;
      await insertPeople(tx, actor, row, options, now, creates, companyIds.byKey);
      await applyUpdates(
        tx,
        ws,
        row.importId,
        now,
        updates,
        companyIds.byKey,
        [...fieldByKey.values()].map((f) => f.fieldId),
      );
      const warnings = await applyCompanyFields(
        tx,
        ws,
        row.importId,
        companyIds.byKey,
        companyWrites,
        [...fields.company.values()].map((f) => f.fieldId),
      );
      const warningRows = warnings.map((w, i) => ({
        workspaceId: ws,
        importId: row.importId,
        rowNo: w.row,
        // After any problem of the same row (a warned row has none: it was imported).
        seq: 100 + i,
        field: w.field.slice(0, 200),
        problem: w.problem.slice(0, 500),
      }));
      for (const part of chunk(warningRows, 6)) await tx.insert(importErrors).values(part).onConflictDoNothing();
      // No search postings here: `import.index` writes them once the batches are done
      // (decision 0009), from the import's items; until then the lists find these people.
    }

    await tx
      .update(imports)
      .set({
        rowsRead: from + batchLength,
        rowsCreated: sql`${imports.rowsCreated} + ${tally.created}`,
        rowsUpdated: sql`${imports.rowsUpdated} + ${tally.updated}`,
        rowsSkipped: sql`${imports.rowsSkipped} + ${tally.skipped}`,
        rowsFailed: sql`${imports.rowsFailed} + ${tally.failed}`,
        companiesCreated: sql`${imports.companiesCreated} + ${tally.companiesCreated}`,
        bytesRead: bytes,
        leaseUntil: new Date(now.getTime() + LEASE_MS),
      })
      .where(and(eq(imports.workspaceId, ws), eq(imports.importId, row.importId)));
    if (!row.dryRun) {
      await appendAudit(
        tx,
        ws,
        {
          actor: { kind: 'user', id: actor.userId },
          action: 'import.batch',
          target: { type: 'import', id: row.importId },
          details: {
            fromRecord: from + 1,
            toRecord: from + batchLength,
            created: tally.created,
            updated: tally.updated,
            skipped: tally.skipped,
            failed: tally.failed,
            companiesCreated: tally.companiesCreated,
          },
        },
        now,
      );
    }
    return 'ok';
  });
}

const companyKey = (c: NonNullable<Candidate['company']>) => (c.domain ? `d:${c.domain}` : `n:${c.name.toLowerCase()}`);

/** Live companies the importer can see, by domain and by lower-cased name. */
async function existingCompanies(tx: Tx, actor: Actor, wanted: NonNullable<Candidate['company']>[]) {
  const names = [...new Set(wanted.map((c) => c.name.toLowerCase()))];
  const domains = [...new Set(wanted.flatMap((c) => (c.domain ? [c.domain] : [])))];
  const byKey = new Map<string, string>();
  if (!names.length && !domains.length) return byKey;
  const ws = actor.workspaceId;
  const match = domains.length
    ? or(inArray(companies.nameKey, names.length ? names : ['']), inArray(companies.domain, domains))
    : inArray(companies.nameKey, names);
  const rows = await tx
    .select({ companyId: companies.companyId, nameKey: companies.nameKey, domain: companies.domain })
    .from(companies)
    .where(and(eq(companies.workspaceId, ws), isNull(companies.deletedAt), match, visibleTo(actor, companies)))
    .orderBy(asc(companies.companyId));
  for (const r of rows) {
    if (r.domain && !byKey.has(`d:${r.domain}`)) byKey.set(`d:${r.domain}`, r.companyId);
    if (r.nameKey && !byKey.has(`n:${r.nameKey}`)) byKey.set(`n:${r.nameKey}`, r.companyId);
  }
  return byKey;
}

/** A company row names a domain: found by it, else by name; then created. */
function lookupCompany(byKey: Map<string, string>, c: NonNullable<Candidate['company']>): string | undefined {
  return (c.domain ? byKey.get(`d:${c.domain}`) : undefined) ?? byKey.get(`n:${c.name.toLowerCase()}`);
}

async function countNewCompanies(tx: Tx, actor: Actor, list: Candidate['company'][]): Promise<number> {
  const wanted = list.filter((c): c is NonNullable<Candidate['company']> => c !== null);
  const byKey = await existingCompanies(tx, actor, wanted);
  const missing = new Set<string>();
  for (const c of wanted) if (!lookupCompany(byKey, c)) missing.add(companyKey(c));
  return missing.size;
}

async function resolveCompanies(
  tx: Tx,
  actor: Actor,
  row: ImportRow,
  options: ImportOptions,
  now: Date,
  list: Candidate['company'][],
): Promise<{
  byKey: Map<string, string>;
  created: number;
}> {
  const wanted = list.filter((c): c is NonNullable<Candidate['company']> => c !== null);
  const byKey = await existingCompanies(tx, actor, wanted);
  const toCreate = new Map<string, NonNullable<Candidate['company']>>();
  for (const c of wanted) if (!lookupCompany(byKey, c) && !toCreate.has(companyKey(c))) toCreate.set(companyKey(c), c);
  const rows = [...toCreate.values()].map((c) => ({
    workspaceId: actor.workspaceId,
    companyId: newId(now.getTime()),
    name: c.name,
    domain: c.domain,
    ownerId: actor.userId,
    visibility: options.defaults.visibility,
    teamId: options.defaults.teamId,
    createdAt: now,
    updatedAt: now,
  }));
  for (const part of chunk(rows, 9)) await tx.insert(companies).values(part);
  for (const part of chunk(rows, 6)) {
    await tx.insert(importItems).values(
      part.map((c) => ({
        workspaceId: actor.workspaceId,
        importId: row.importId,
        kind: 'company' as const,
        recordId: c.companyId,
        action: 'created' as const,
      })),
    );
  }
  for (const r of rows) {
    if (r.domain) byKey.set(`d:${r.domain}`, r.companyId);
    byKey.set(`n:${r.name.toLowerCase()}`, r.companyId);
  }
  return { byKey, created: rows.length };
}

const FIELD_VALUE_COLUMNS: [string, string][] = [
  ['workspace_id', 'uuid'],
  ['field_id', 'uuid'],
  ['person_id', 'uuid'],
  ['ordinal', 'integer'],
  ['value_text', 'text'],
  ['value_number', 'double precision'],
  ['value_date', 'date'],
  ['value_bool', 'boolean'],
];

/** The value rows of the custom fields of these people, in FIELD_VALUE_COLUMNS order. */
function customRows(ws: string, list: { personId: string; change: Change }[]) {
  return list.flatMap(({ personId, change }) =>
    change.custom.flatMap((c) =>
      c.rows.map((r) => [
        ws,
        c.field.fieldId,
        personId,
        r.ordinal,
        r.valueText,
        r.valueNumber,
        r.valueDate,
        r.valueBool,
      ]),
    ),
  );
}

async function insertPeople(
  tx: Tx,
  actor: Actor,
  row: ImportRow,
  options: ImportOptions,
  now: Date,
  creates: { personId: string; change: Change }[],
  companyByKey: Map<string, string>,
): Promise<void> {
  if (!creates.length) return;
  const ws = actor.workspaceId;
  await insertPeopleRows(
    tx,
    ws,
    creates.map(({ personId, change: c }) => {
      const companyId = c.company ? lookupCompany(companyByKey, c.company) : undefined;
      return {
        personId,
        firstName: c.firstName ?? '',
        lastName: c.lastName ?? '',
        title: c.title ?? null,
        address: c.address,
        ownerId: actor.userId,
        source: 'import',
        visibility: options.defaults.visibility,
        teamId: options.defaults.teamId ?? null,
        emails: c.emails.map((e, i) => ({ value: e.value, type: e.type, primary: i === 0 })),
        phones: c.phones.map((p, i) => ({ value: p.value, type: p.type, primary: i === 0 })),
        tags: c.tags,
        categories: c.categories,
        companies: companyId ? [{ companyId, role: null }] : [],
      };
    }),
    now,
  );
  await insertUnnest(tx, 'person_field_values', FIELD_VALUE_COLUMNS, customRows(ws, creates));
  await insertUnnest(
    tx,
    'import_items',
    [
      ['workspace_id', 'uuid'],
      ['import_id', 'uuid'],
      ['kind', 'text'],
      ['record_id', 'uuid'],
      ['action', 'text'],
    ],
    creates.map((c) => [ws, row.importId, 'person', c.personId, 'created']),
  );
}

const ADDRESS_KEYS = ['street', 'state', 'postalCode', 'city', 'country'] as const;

/** A person as it was, enough to put it back exactly. */
export type PersonSnapshot = {
  firstName: string;
  lastName: string;
  title: string | null;
  street: string | null;
  state: string | null;
  postalCode: string | null;
  city: string | null;
  country: string | null;
  updatedAt: string;
  emails: { email: string; type: string; isPrimary: boolean; position: number }[];
  phones: { phone: string; type: string; isPrimary: boolean; position: number }[];
  tags: { tag: string; position: number }[];
  categories: string[];
  companies: { companyId: string; role: string | null; createdAt: string }[];
  /** The values of the custom fields the import's mapping named (absent in snapshots taken
   *  before custom fields could be imported: then undo leaves custom values alone). */
  customFields?: { fieldIds: string[]; values: SnapshotValue[] };
};
type SnapshotValue = {
  fieldId: string;
  ordinal: number;
  valueText: string | null;
  valueNumber: number | null;
  valueDate: string | null;
  valueBool: boolean | null;
};

async function snapshots(tx: Tx, ws: string, ids: string[], fieldIds: string[]): Promise<Map<string, PersonSnapshot>> {
  const out = new Map<string, PersonSnapshot>();
  if (!ids.length) return out;
  const rows = await tx
    .select()
    .from(people)
    .where(and(eq(people.workspaceId, ws), inArray(people.personId, ids)));
  for (const p of rows) {
    out.set(p.personId, {
      firstName: p.firstName,
      lastName: p.lastName,
      title: p.title,
      street: p.street,
      state: p.state,
      postalCode: p.postalCode,
      city: p.city,
      country: p.country,
      updatedAt: p.updatedAt.toISOString(),
      emails: [],
      phones: [],
      tags: [],
      categories: [],
      companies: [],
      ...(fieldIds.length ? { customFields: { fieldIds, values: [] } } : {}),
    });
  }
  const byPerson = <R extends { personId: string }>(list: R[], add: (s: PersonSnapshot, r: R) => void) => {
    for (const r of list) {
      const s = out.get(r.personId);
      if (s) add(s, r);
    }
  };
  byPerson(
    await tx
      .select()
      .from(personEmails)
      .where(and(eq(personEmails.workspaceId, ws), inArray(personEmails.personId, ids)))
      .orderBy(asc(personEmails.position)),
    (s, r) => s.emails.push({ email: r.email, type: r.type, isPrimary: r.isPrimary, position: r.position }),
  );
  byPerson(
    await tx
      .select()
      .from(personPhones)
      .where(and(eq(personPhones.workspaceId, ws), inArray(personPhones.personId, ids)))
      .orderBy(asc(personPhones.position)),
    (s, r) => s.phones.push({ phone: r.phone, type: r.type, isPrimary: r.isPrimary, position: r.position }),
  );
  byPerson(
    await tx
      .select()
      .from(personTags)
      .where(and(eq(personTags.workspaceId, ws), inArray(personTags.personId, ids)))
      .orderBy(asc(personTags.position)),
    (s, r) => s.tags.push({ tag: r.tag, position: r.position }),
  );
  byPerson(
    await tx
      .select()
      .from(personCategories)
      .where(and(eq(personCategories.workspaceId, ws), inArray(personCategories.personId, ids))),
    (s, r) => s.categories.push(r.category),
  );
  byPerson(
    await tx
      .select()
      .from(personCompanies)
      .where(and(eq(personCompanies.workspaceId, ws), inArray(personCompanies.personId, ids))),
    (s, r) => s.companies.push({ companyId: r.companyId, role: r.role, createdAt: r.createdAt.toISOString() }),
  );
  if (fieldIds.length) {
    byPerson(
      (
        await tx
          .select()
          .from(personFieldValues)
          .where(
            and(
              eq(personFieldValues.workspaceId, ws),
              inArray(personFieldValues.recordId, ids),
              inArray(personFieldValues.fieldId, fieldIds),
            ),
          )
          .orderBy(asc(personFieldValues.fieldId), asc(personFieldValues.ordinal))
      ).map((r) => ({ ...r, personId: r.recordId })),
      (s, r) =>
        s.customFields?.values.push({
          fieldId: r.fieldId,
          ordinal: r.ordinal,
          valueText: r.valueText,
          valueNumber: r.valueNumber,
          valueDate: r.valueDate,
          valueBool: r.valueBool,
        }),
    );
  }
  return out;
}

async function applyUpdates(
  tx: Tx,
  ws: string,
  importId: string,
  now: Date,
  updates: Map<string, Change>,
  companyByKey: Map<string, string>,
  fieldIds: string[],
): Promise<void> {
  if (!updates.size) return;
  const ids = [...updates.keys()];
  const before = await snapshots(tx, ws, ids, fieldIds);
  // The first import_items row of a person wins: it holds the values before this import
  // touched it (a person this import created stays 'created').
  const items = ids.flatMap((id) => {
    const previous = before.get(id);
    return previous
      ? [{ workspaceId: ws, importId, kind: 'person' as const, recordId: id, action: 'updated' as const, previous }]
      : [];
  });
  for (const part of chunk(items, 6)) await tx.insert(importItems).values(part).onConflictDoNothing();
  const emails: (typeof personEmails.$inferInsert)[] = [];
  const phones: (typeof personPhones.$inferInsert)[] = [];
  const tags: (typeof personTags.$inferInsert)[] = [];
  const categories: (typeof personCategories.$inferInsert)[] = [];
  const links: (typeof personCompanies.$inferInsert)[] = [];
  // (person, first name, last name, title, street, state, postal code, city, country): a
  // value the rows gave replaces the person's, null leaves it (one statement for the batch).
  const fieldRows: (string | null)[][] = [];
  for (const [personId, c] of updates) {
    const prev = before.get(personId);
    if (!prev) continue;
    fieldRows.push([
      personId,
      c.firstName || null,
      c.lastName || null,
      c.title || null,
      ...ADDRESS_KEYS.map((k) => c.address[k] || null),
    ]);
    let pos = Math.max(-1, ...prev.emails.map((e) => e.position)) + 1;
    for (const e of c.emails) {
      if (prev.emails.some((x) => x.email === e.value)) continue;
      emails.push({ workspaceId: ws, personId, email: e.value, type: e.type, isPrimary: false, position: pos++ });
    }
    pos = Math.max(-1, ...prev.phones.map((p) => p.position)) + 1;
    for (const p of c.phones) {
      if (prev.phones.some((x) => x.phone === p.value)) continue;
      phones.push({ workspaceId: ws, personId, phone: p.value, type: p.type, isPrimary: false, position: pos++ });
    }
    pos = Math.max(-1, ...prev.tags.map((t) => t.position)) + 1;
    for (const tag of cleanTags(c.tags)) {
      if (prev.tags.some((x) => x.tag === tag)) continue;
      tags.push({ workspaceId: ws, personId, tag, position: pos++ });
    }
    for (const category of c.categories) {
      if (!prev.categories.includes(category)) {
        categories.push({
          workspaceId: ws,
          personId,
          category: category as typeof personCategories.$inferInsert.category,
        });
      }
    }
    const companyId = c.company ? lookupCompany(companyByKey, c.company) : undefined;
    if (companyId) links.push({ workspaceId: ws, personId, companyId, role: null, createdAt: now });
  }
  if (fieldRows.length) {
    const col = (i: number, type: string) => sql`${arrayParam(fieldRows.map((r) => r[i] ?? null))}::${sql.raw(type)}[]`;
    await tx.execute(
      sql`update people p set
            first_name = coalesce(u.first_name, p.first_name),
            last_name = coalesce(u.last_name, p.last_name),
            title = coalesce(u.title, p.title),
            street = coalesce(u.street, p.street),
            state = coalesce(u.state, p.state),
            postal_code = coalesce(u.postal_code, p.postal_code),
            city = coalesce(u.city, p.city),
            country = coalesce(u.country, p.country),
            updated_at = ${now.toISOString()}::timestamptz
          from unnest(${col(0, 'uuid')}, ${col(1, 'text')}, ${col(2, 'text')}, ${col(3, 'text')}, ${col(4, 'text')},
                      ${col(5, 'text')}, ${col(6, 'text')}, ${col(7, 'text')}, ${col(8, 'text')})
            as u(person_id, first_name, last_name, title, street, state, postal_code, city, country)
          where p.workspace_id = ${ws} and p.person_id = u.person_id`,
    );
  }
  for (const part of chunk(emails, 6)) await tx.insert(personEmails).values(part).onConflictDoNothing();
  for (const part of chunk(phones, 6)) await tx.insert(personPhones).values(part).onConflictDoNothing();
  for (const part of chunk(tags, 4)) await tx.insert(personTags).values(part).onConflictDoNothing();
  for (const part of chunk(categories, 3)) await tx.insert(personCategories).values(part).onConflictDoNothing();
  for (const part of chunk(links, 5)) await tx.insert(personCompanies).values(part).onConflictDoNothing();
  // Custom fields the rows gave replace the person's values of those fields: one set-based
  // delete of the (person, field) pairs, one insert from unnest.
  const replaced = [...updates].filter(([id]) => before.has(id));
  const pairs = replaced.flatMap(([personId, c]) => c.custom.map((v) => [personId, v.field.fieldId] as const));
  if (pairs.length) {
    await tx.execute(
      sql`delete from person_field_values v
          using unnest(${arrayParam(pairs.map((p) => p[0]))}::uuid[], ${arrayParam(pairs.map((p) => p[1]))}::uuid[])
            as d(person_id, field_id)
          where v.workspace_id = ${ws} and v.person_id = d.person_id and v.field_id = d.field_id`,
    );
    await insertUnnest(
      tx,
      'person_field_values',
      FIELD_VALUE_COLUMNS,
      customRows(
        ws,
        replaced.map(([personId, change]) => ({ personId, change })),
      ),
    );
  }
}

/** What an import keeps on a company's item: for a company it found (action 'updated'), the
 *  values of the mapped company fields before it (the undo's source); for every company it
 *  set fields of, the first row of the file that set each field. */
type CompanyItemData = {
  customFields?: { fieldIds: string[]; values: SnapshotValue[] };
  setBy?: Record<string, number>;
};

const valueSignature = (rows: readonly Omit<SnapshotValue, 'fieldId'>[]) =>
  JSON.stringify(rows.map((r) => [r.valueText, r.valueNumber, r.valueDate, r.valueBool]));

/**
 * Sets the company custom fields the rows give (`company.cf.<key>`) on the company each row
 * names, created or found. The first row of the file that gives a company a field wins; a
 * later row with another value for it is not applied and comes back as a warning (its person
 * is imported). Which row set what is kept on the company's import item, so this holds
 * across batches and a resumed run. A company found (not created) gets an 'updated' item
 * with its values of the mapped fields before, which the undo puts back.
 */
async function applyCompanyFields(
  tx: Tx,
  ws: string,
  importId: string,
  companyByKey: Map<string, string>,
  writes: CompanyWrite[],
  fieldIds: string[],
): Promise<(RowProblem & { row: number })[]> {
  const warnings: (RowProblem & { row: number })[] = [];
  const resolved = writes.flatMap((w) => {
    const companyId = lookupCompany(companyByKey, w.company);
    return companyId ? [{ ...w, companyId }] : [];
  });
  if (!resolved.length || !fieldIds.length) return warnings;
  const ids = [...new Set(resolved.map((w) => w.companyId))];
  const items = await tx
    .select({ recordId: importItems.recordId, previous: importItems.previous })
    .from(importItems)
    .where(
      and(
        eq(importItems.workspaceId, ws),
        eq(importItems.importId, importId),
        eq(importItems.kind, 'company'),
        inArray(importItems.recordId, ids),
      ),
    );
  const data = new Map(items.map((i) => [i.recordId, { ...((i.previous as CompanyItemData | null) ?? {}) }]));
  const current = await tx
    .select()
    .from(companyFieldValues)
    .where(
      and(
        eq(companyFieldValues.workspaceId, ws),
        inArray(companyFieldValues.recordId, ids),
        inArray(companyFieldValues.fieldId, fieldIds),
      ),
    )
    .orderBy(asc(companyFieldValues.recordId), asc(companyFieldValues.fieldId), asc(companyFieldValues.ordinal));
  const valuesOf = new Map<string, SnapshotValue[]>();
  for (const v of current) {
    const k = `${v.recordId}:${v.fieldId}`;
    const list = valuesOf.get(k) ?? [];
    list.push({
      fieldId: v.fieldId,
      ordinal: v.ordinal,
      valueText: v.valueText,
      valueNumber: v.valueNumber,
      valueDate: v.valueDate,
      valueBool: v.valueBool,
    });
    valuesOf.set(k, list);
  }
  // Companies this import had not touched yet: found ones, whose values it may now change.
  const fresh = ids.filter((id) => !data.has(id));
  for (const id of fresh) {
    data.set(id, {
      customFields: { fieldIds, values: fieldIds.flatMap((f) => valuesOf.get(`${id}:${f}`) ?? []) },
      setBy: {},
    });
  }
  for (const part of chunk(fresh, 6)) {
    await tx.insert(importItems).values(
      part.map((id) => ({
        workspaceId: ws,
        importId,
        kind: 'company' as const,
        recordId: id,
        action: 'updated' as const,
        previous: data.get(id),
      })),
    );
  }
  const pending = new Map<
    string,
    { companyId: string; fieldId: string; rows: Candidate['companyCustom'][number]['rows'] }
  >();
  const touched = new Set<string>();
  for (const w of resolved) {
    const d = data.get(w.companyId) ?? {};
    const setBy = d.setBy ?? {};
    d.setBy = setBy;
    for (const c of w.custom) {
      const k = `${w.companyId}:${c.field.fieldId}`;
      const firstRow = setBy[c.field.fieldId];
      if (firstRow !== undefined) {
        const kept = pending.get(k)?.rows ?? valuesOf.get(k) ?? [];
        if (valueSignature(kept) !== valueSignature(c.rows)) {
          warnings.push({
            row: w.row,
            field: c.column,
            // Never a value of the file in the report: the company is the row's own.
            problem: `warning: not used; row ${firstRow} of the file gave this row's company another value for this field, and the first row's value is kept`,
          });
        }
        continue;
      }
      setBy[c.field.fieldId] = w.row;
      pending.set(k, { companyId: w.companyId, fieldId: c.field.fieldId, rows: c.rows });
      touched.add(w.companyId);
    }
  }
  const list = [...pending.values()];
  if (list.length) {
    await tx.execute(
      sql`delete from company_field_values v
          using unnest(${arrayParam(list.map((p) => p.companyId))}::uuid[], ${arrayParam(list.map((p) => p.fieldId))}::uuid[])
            as d(company_id, field_id)
          where v.workspace_id = ${ws} and v.company_id = d.company_id and v.field_id = d.field_id`,
    );
    await insertUnnest(
      tx,
      'company_field_values',
      FIELD_VALUE_COLUMNS.map(([c, t]) => [c === 'person_id' ? 'company_id' : c, t] as [string, string]),
      list.flatMap((p) =>
        p.rows.map((r) => [
          ws,
          p.fieldId,
          p.companyId,
          r.ordinal,
          r.valueText,
          r.valueNumber,
          r.valueDate,
          r.valueBool,
        ]),
      ),
    );
  }
  if (touched.size) {
    // Which row set what, on each touched company's item: one statement for the batch.
    const ids = [...touched];
    await tx.execute(
      sql`update import_items i set previous = u.previous
          from unnest(${arrayParam(ids)}::uuid[], ${arrayParam(ids.map((id) => JSON.stringify(data.get(id) ?? {})))}::jsonb[])
            as u(record_id, previous)
          where i.workspace_id = ${ws} and i.import_id = ${importId} and i.kind = 'company' and i.record_id = u.record_id`,
    );
  }
  return warnings;
}

// Undo

const UNDO_BATCH = 500;

/**
 * Undoes an import a batch at a time: people it created are deleted, people it updated get
 * their snapshot back (fields, emails, phones, tags, categories, company links and
 * updatedAt), then the companies it created are deleted. Each batch deletes the items it
 * handled in the same transaction, so a crashed undo resumes where it stopped.
 */
async function runUndo(services: Services, row: ImportRow, opts: RunOptions): Promise<RunOutcome> {
  const ws = row.workspaceId;
  let batches = 0;
  for (;;) {
    const now = services.clock.now();
    const left = await tenant(services, ws, async (tx) => {
      const items = await tx
        .select()
        .from(importItems)
        .where(and(eq(importItems.workspaceId, ws), eq(importItems.importId, row.importId)))
        // 'person' before 'company': links to a created company go with their people first.
        .orderBy(desc(importItems.kind), asc(importItems.recordId))
        .limit(opts.batchSize ?? UNDO_BATCH);
      if (!items.length) return 0;
      const createdPeople = items.filter((i) => i.kind === 'person' && i.action === 'created').map((i) => i.recordId);
      const updatedPeople = items.filter((i) => i.kind === 'person' && i.action === 'updated');
      const createdCompanies = items
        .filter((i) => i.kind === 'company' && i.action === 'created')
        .map((i) => i.recordId);
      const updatedCompanies = items.filter((i) => i.kind === 'company' && i.action === 'updated');
      if (createdPeople.length) {
        // Their postings go with them (foreign keys); the words only they had leave the
        // vocabulary too, as when a person is purged.
        const words = await rowsOf<{ term: string }>(
          tx,
          sql`select distinct term::text as term from person_search_terms
              where workspace_id = ${ws} and person_id = any(${arrayParam(createdPeople)}::uuid[])`,
        );
        await tx.delete(people).where(and(eq(people.workspaceId, ws), inArray(people.personId, createdPeople)));
        await forgetUnusedWords(
          tx,
          ws,
          words.map((w) => w.term),
        );
      }
      for (const item of updatedPeople) await restorePerson(tx, ws, item.recordId, item.previous as PersonSnapshot);
      // The search index of the people put back: what the import added to them is no longer theirs.
      await reindexRecords(
        tx,
        ws,
        'person',
        updatedPeople.map((i) => i.recordId),
      );
      for (const item of updatedCompanies) {
        await restoreCompanyFields(tx, ws, item.recordId, item.previous as CompanyItemData | null);
      }
      if (createdCompanies.length) {
        const words = await rowsOf<{ term: string }>(
          tx,
          sql`select distinct term::text as term from company_search_terms
              where workspace_id = ${ws} and company_id = any(${arrayParam(createdCompanies)}::uuid[])`,
        );
        await tx
          .delete(companies)
          .where(and(eq(companies.workspaceId, ws), inArray(companies.companyId, createdCompanies)));
        await forgetUnusedWords(
          tx,
          ws,
          words.map((w) => w.term),
        );
      }
      await tx.delete(importItems).where(
        and(
          eq(importItems.workspaceId, ws),
          eq(importItems.importId, row.importId),
          inArray(
            importItems.recordId,
            items.map((i) => i.recordId),
          ),
        ),
      );
      await tx
        .update(imports)
        .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
        .where(and(eq(imports.workspaceId, ws), eq(imports.importId, row.importId)));
      await appendAudit(
        tx,
        ws,
        {
          actor: { kind: 'system' },
          action: 'import.undo_batch',
          target: { type: 'import', id: row.importId },
          details: {
            peopleRemoved: createdPeople.length,
            peopleRestored: updatedPeople.length,
            companiesRemoved: createdCompanies.length,
            companiesRestored: updatedCompanies.length,
          },
        },
        now,
      );
      return items.length;
    });
    if (left === 0) break;
    batches += 1;
    if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return 'paused';
  }
  await finish(services, row, 'undone');
  return 'undone';
}

async function restorePerson(tx: Tx, ws: string, personId: string, s: PersonSnapshot): Promise<void> {
  const updated = await tx
    .update(people)
    .set({
      firstName: s.firstName,
      lastName: s.lastName,
      title: s.title,
      street: s.street,
      state: s.state,
      postalCode: s.postalCode,
      city: s.city,
      country: s.country,
      updatedAt: new Date(s.updatedAt),
    })
    .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)))
    .returning({ personId: people.personId });
  // Erased (purged) since the import: nothing to put back.
  if (!updated.length) return;
  await tx.delete(personEmails).where(and(eq(personEmails.workspaceId, ws), eq(personEmails.personId, personId)));
  await tx.delete(personPhones).where(and(eq(personPhones.workspaceId, ws), eq(personPhones.personId, personId)));
  await tx.delete(personTags).where(and(eq(personTags.workspaceId, ws), eq(personTags.personId, personId)));
  await tx
    .delete(personCategories)
    .where(and(eq(personCategories.workspaceId, ws), eq(personCategories.personId, personId)));
  await tx
    .delete(personCompanies)
    .where(and(eq(personCompanies.workspaceId, ws), eq(personCompanies.personId, personId)));
  if (s.emails.length) {
    await tx.insert(personEmails).values(
      s.emails.map((e) => ({
        workspaceId: ws,
        personId,
        email: e.email,
        type: e.type as 'work',
        isPrimary: e.isPrimary,
        position: e.position,
      })),
    );
  }
  if (s.phones.length) {
    await tx.insert(personPhones).values(
      s.phones.map((p) => ({
        workspaceId: ws,
        personId,
        phone: p.phone,
        type: p.type as 'mobile',
        isPrimary: p.isPrimary,
        position: p.position,
      })),
    );
  }
  if (s.tags.length) {
    await tx
      .insert(personTags)
      .values(s.tags.map((t) => ({ workspaceId: ws, personId, tag: t.tag, position: t.position })));
  }
  if (s.categories.length) {
    await tx
      .insert(personCategories)
      .values(s.categories.map((c) => ({ workspaceId: ws, personId, category: c as 'client' })));
  }
  if (s.companies.length) {
    // Only companies still there: one purged since cannot be linked again.
    const live = await tx
      .select({ companyId: companies.companyId })
      .from(companies)
      .where(
        and(
          eq(companies.workspaceId, ws),
          inArray(
            companies.companyId,
            s.companies.map((c) => c.companyId),
          ),
        ),
      );
    const ok = new Set(live.map((c) => c.companyId));
    const rows = s.companies
      .filter((c) => ok.has(c.companyId))
      .map((c) => ({
        workspaceId: ws,
        personId,
        companyId: c.companyId,
        role: c.role,
        createdAt: new Date(c.createdAt),
      }));
    if (rows.length) await tx.insert(personCompanies).values(rows);
  }
  const cf = s.customFields;
  if (cf?.fieldIds.length) {
    await tx
      .delete(personFieldValues)
      .where(
        and(
          eq(personFieldValues.workspaceId, ws),
          eq(personFieldValues.recordId, personId),
          inArray(personFieldValues.fieldId, cf.fieldIds),
        ),
      );
    // Only fields still there: a field deleted since took its values with it.
    const live = new Set(
      (
        await tx
          .select({ fieldId: customFields.fieldId })
          .from(customFields)
          .where(and(eq(customFields.workspaceId, ws), inArray(customFields.fieldId, cf.fieldIds)))
      ).map((f) => f.fieldId),
    );
    const values = cf.values
      .filter((v) => live.has(v.fieldId))
      .map((v) => ({ workspaceId: ws, recordId: personId, ...v }));
    if (values.length) await tx.insert(personFieldValues).values(values);
  }
}

/** A company the import found gets its values of the mapped company fields back (fields
 *  deleted since are skipped; a company purged since has nothing to restore). */
async function restoreCompanyFields(tx: Tx, ws: string, companyId: string, d: CompanyItemData | null): Promise<void> {
  const cf = d?.customFields;
  if (!cf?.fieldIds.length) return;
  await tx
    .delete(companyFieldValues)
    .where(
      and(
        eq(companyFieldValues.workspaceId, ws),
        eq(companyFieldValues.recordId, companyId),
        inArray(companyFieldValues.fieldId, cf.fieldIds),
      ),
    );
  const [live] = await tx
    .select({ companyId: companies.companyId })
    .from(companies)
    .where(and(eq(companies.workspaceId, ws), eq(companies.companyId, companyId)));
  if (!live) return;
  const fieldsLeft = new Set(
    (
      await tx
        .select({ fieldId: customFields.fieldId })
        .from(customFields)
        .where(and(eq(customFields.workspaceId, ws), inArray(customFields.fieldId, cf.fieldIds)))
    ).map((f) => f.fieldId),
  );
  const values = cf.values
    .filter((v) => fieldsLeft.has(v.fieldId))
    .map((v) => ({ workspaceId: ws, recordId: companyId, ...v }));
  if (values.length) await tx.insert(companyFieldValues).values(values);
}
