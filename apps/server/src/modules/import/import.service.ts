import { existsSync } from 'node:fs';
import {
  isCompanyFieldTarget,
  isCustomFieldTarget,
  type TImport,
  type TImportEncoding,
  type TImportList,
  type TImportPreset,
  type TImportPreview,
  type TImportTarget,
  type ZCreateImportBody,
  type ZImportListQuery,
} from '@tillit/contracts';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { importErrors, importFiles, imports, workspaces } from '../../db/schema/index.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { AppError, conflict, forbidden, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { loadFields } from '../custom-fields/custom-fields.service.ts';
import { decodeCursor, encodeCursor } from '../people/people.cursor.ts';
import { resolveVisibility } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import { assertAllowed } from '../permissions/permissions.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { CsvStructureError, detectDelimiter, readCsv, readFirstLine } from './import.csv.ts';
import { importFilePath } from './import.files.ts';
import type { ImportOptions } from './import.options.ts';
import { presentFile, presentImport } from './import.presenter.ts';
import { detectPreset, suggestCustomFields, suggestMapping, suggestVcardProperties } from './import.presets.ts';
import { readVcards, VcardStructureError } from './import.vcard.ts';

export type CreateImportInput = z.output<typeof ZCreateImportBody>;
export type ListImportsInput = z.output<typeof ZImportListQuery>;

/**
 * Who may import (P-CRM-10): the permission matrix's ('people', 'import') for the caller's
 * role (members and above by default; a viewer never, the ceiling says so), with the role
 * floor kept as a second wall as the other services do.
 */
export async function assertCanImport(services: Services, actor: Actor): Promise<void> {
  if (!roleAtLeast(actor.role, 'member')) throw forbidden('Importing needs the member role or higher.');
  await assertAllowed(
    services,
    { workspaceId: actor.workspaceId, role: actor.role, userId: actor.userId },
    'people',
    'import',
  );
}

async function findFile(tx: Tx, actor: Actor, fileId: string) {
  const [f] = await tx
    .select()
    .from(importFiles)
    .where(and(eq(importFiles.workspaceId, actor.workspaceId), eq(importFiles.fileId, fileId)));
  if (!f) throw notFound('The file');
  return f;
}

const PREVIEW_ROWS = 5;
/** The preview looks for properties to map in this many cards. */
const VCARD_PROPERTY_SCAN = 500;

/** The first rows of a file, its headers and a suggested mapping (a preset when the headers
 *  are those of a Google, Outlook or HubSpot export). */
export async function previewFile(
  services: Services,
  actor: Actor,
  fileId: string,
  encodingOverride?: TImportEncoding,
  presetOverride?: TImportPreset,
): Promise<TImportPreview> {
  await assertCanImport(services, actor);
  const file = await inTenant(services, actor, (tx) => findFile(tx, actor, fileId));
  const path = importFilePath(services, actor.workspaceId, fileId);
  if (!existsSync(path)) throw notFound('The file');
  const encoding = encodingOverride ?? (file.encoding as TImportEncoding);
  if (file.format === 'vcard') {
    const headers: TImportTarget[] = [];
    const properties: string[] = [];
    const cards: Map<string, string>[] = [];
    let seen = 0;
    try {
      // Rows from the first cards; the properties to map from the first few hundred (an
      // X- property may only be on some cards).
      for await (const card of readVcards(path, encoding)) {
        seen += 1;
        for (const x of card.extras ?? []) if (!properties.includes(x.name)) properties.push(x.name);
        if (cards.length < PREVIEW_ROWS) {
          const m = new Map<string, string>();
          for (const v of card.values) {
            if (!headers.includes(v.field)) headers.push(v.field);
            if (!m.has(v.field)) m.set(v.field, v.value);
          }
          for (const x of card.extras ?? []) if (!m.has(x.name)) m.set(x.name, x.value);
          cards.push(m);
        }
        if (seen >= VCARD_PROPERTY_SCAN || properties.length >= 200) break;
      }
    } catch (err) {
      if (err instanceof VcardStructureError) throw validationFailed({ file: err.message }, err.message);
      throw err;
    }
    const [personFields, companyFields] = properties.length
      ? await inTenant(services, actor, async (tx) => [
          await loadFields(tx, actor.workspaceId, 'person'),
          await loadFields(tx, actor.workspaceId, 'company'),
        ])
      : [[], []];
    const all = [...headers, ...properties];
    return {
      file: presentFile(file),
      encoding,
      delimiter: null,
      headers: all,
      rows: cards.map((m) => all.map((h) => m.get(h) ?? '')),
      preset: null,
      suggestedMapping: [...headers, ...suggestVcardProperties(properties, personFields, companyFields)],
      properties,
    };
  }
  const delimiter = detectDelimiter(await readFirstLine(path, encoding));
  const rows: string[][] = [];
  try {
    for await (const rec of readCsv(path, encoding, delimiter)) {
      rows.push(rec.values);
      if (rows.length > PREVIEW_ROWS) break;
    }
  } catch (err) {
    if (err instanceof CsvStructureError) throw validationFailed({ [`row ${err.row}`]: err.message }, err.message);
    throw err;
  }
  const headers = rows.shift() ?? [];
  if (headers.length === 0) throw validationFailed({ file: 'has no header row' }, 'The file has no header row.');
  const preset = presetOverride ?? detectPreset(headers);
  const fields = await inTenant(services, actor, (tx) => loadFields(tx, actor.workspaceId, 'person'));
  return {
    file: presentFile(file),
    encoding,
    delimiter,
    headers,
    rows,
    preset,
    suggestedMapping: suggestCustomFields(
      headers,
      suggestMapping(headers, preset),
      fields,
      await inTenant(services, actor, (tx) => loadFields(tx, actor.workspaceId, 'company')),
    ),
    properties: [],
  };
}

/**
 * Custom field targets (`cf.<key>`, `company.cf.<key>`) must be fields of this workspace
 * (loadFields is scoped to it, and RLS again) of that object: 422 naming each bad one's path.
 * `companyMissing`: why a company field cannot be used (the file names no company), if so.
 */
async function assertCustomTargets(
  services: Services,
  actor: Actor,
  list: { target: TImportTarget | null; path: string }[],
  companyMissing: string | null,
): Promise<void> {
  const wanted = list.filter((x) => isCustomFieldTarget(x.target) || isCompanyFieldTarget(x.target));
  if (!wanted.length) return;
  const fields = await inTenant(services, actor, (tx) => loadFields(tx, actor.workspaceId));
  const keys = (object: string) => new Set(fields.filter((f) => f.object === object).map((f) => f.key));
  const personKeys = keys('person');
  const companyKeys = keys('company');
  const problems: Record<string, string> = {};
  for (const { target, path } of wanted) {
    const t = target as string;
    if (isCompanyFieldTarget(t)) {
      if (!companyKeys.has(t.slice(11))) problems[path] = `${t} is not a custom field of companies`;
      else if (companyMissing) problems[path] = `${t} ${companyMissing}`;
    } else if (!personKeys.has(t.slice(3))) problems[path] = `${t} is not a custom field of people`;
  }
  if (Object.keys(problems).length) {
    throw validationFailed(
      problems,
      `The mapping names a custom field that cannot be used: ${Object.values(problems).join('; ')}.`,
    );
  }
}

async function presentWithProblems(tx: Tx, row: typeof imports.$inferSelect): Promise<TImport> {
  const [file] = await tx
    .select()
    .from(importFiles)
    .where(and(eq(importFiles.workspaceId, row.workspaceId), eq(importFiles.fileId, row.fileId)));
  if (!file) throw notFound('The import');
  const problems = await tx
    .select({ row: importErrors.rowNo, field: importErrors.field, problem: importErrors.problem })
    .from(importErrors)
    .where(and(eq(importErrors.workspaceId, row.workspaceId), eq(importErrors.importId, row.importId)))
    .orderBy(asc(importErrors.rowNo), asc(importErrors.seq))
    .limit(20);
  return presentImport(row, file, problems);
}

/** Starts an import (or a dry run): checks the mapping against the file's header, the
 *  defaults against the workspace, and queues it for the `import.run` job. */
export async function createImport(services: Services, actor: Actor, input: CreateImportInput): Promise<TImport> {
  await assertCanImport(services, actor);
  const now = services.clock.now();
  const file = await inTenant(services, actor, (tx) => findFile(tx, actor, input.fileId));
  const path = importFilePath(services, actor.workspaceId, file.fileId);
  if (!existsSync(path)) throw notFound('The file');
  const encoding = input.encoding ?? (file.encoding as TImportEncoding);
  let headers: string[] | null = null;
  let delimiter: string | null = null;
  let mapping: ImportOptions['mapping'] = null;
  let properties: ImportOptions['properties'] = null;
  if (file.format === 'csv') {
    if (!input.mapping)
      throw validationFailed({ mapping: 'is required for a CSV file (one field or null per column)' });
    delimiter = detectDelimiter(await readFirstLine(path, encoding));
    try {
      for await (const rec of readCsv(path, encoding, delimiter)) {
        headers = rec.values;
        break;
      }
    } catch (err) {
      if (err instanceof CsvStructureError) throw validationFailed({ file: err.message }, err.message);
      throw err;
    }
    if (!headers) throw validationFailed({ file: 'has no header row' }, 'The file has no header row.');
    if (input.mapping.length > headers.length) {
      throw validationFailed({
        mapping: `has ${input.mapping.length} entries but the file has ${headers.length} columns`,
      });
    }
    if (!input.mapping.some((f) => f === 'firstName' || f === 'fullName')) {
      throw validationFailed({ mapping: 'must give a column to firstName or fullName' });
    }
    const named = input.mapping.some((f) => f === 'company' || f === 'companyDomain');
    await assertCustomTargets(
      services,
      actor,
      input.mapping.map((f, i) => ({ target: f, path: `mapping.${i}` })),
      named ? null : 'needs a column mapped to company or companyDomain (the company whose field it is)',
    );
    mapping = input.mapping;
    if (input.properties && Object.keys(input.properties).length) {
      throw validationFailed({ properties: 'is for vCard files; a CSV file maps its columns in mapping' });
    }
  } else {
    if (input.mapping) throw validationFailed({ mapping: 'is for CSV files; map vCard properties in properties' });
    if (input.properties) {
      // A card's company is its ORG: a card without one gets a row problem, not a 422.
      await assertCustomTargets(
        services,
        actor,
        Object.entries(input.properties).map(([name, target]) => ({ target, path: `properties.${name}` })),
        null,
      );
      properties = Object.fromEntries(Object.entries(input.properties).filter(([, t]) => t !== null));
    }
  }
  return inTenant(services, actor, async (tx) => {
    const vis = await resolveVisibility(tx, actor, input.defaults);
    const [w] = await tx
      .select({ country: workspaces.country })
      .from(workspaces)
      .where(eq(workspaces.workspaceId, actor.workspaceId));
    const options: ImportOptions = {
      format: file.format,
      mapping,
      properties,
      headers,
      delimiter,
      duplicates: input.duplicates,
      encoding,
      country: w?.country ?? 'NO',
      defaults: {
        visibility: vis.visibility,
        teamId: vis.teamId,
        tags: input.defaults.tags,
        subjectCategories: input.defaults.subjectCategories,
      },
    };
    const importId = newId(now.getTime());
    const [row] = await tx
      .insert(imports)
      .values({
        workspaceId: actor.workspaceId,
        importId,
        fileId: file.fileId,
        status: 'queued',
        dryRun: input.dryRun,
        options,
        createdBy: actor.userId,
        createdAt: now,
      })
      .returning();
    if (!row) throw new AppError('internal', 500, 'The import could not be created.');
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'import.created',
        target: { type: 'import', id: importId },
        details: { fileId: file.fileId, format: file.format, dryRun: input.dryRun, duplicates: input.duplicates },
      },
      now,
    );
    return presentWithProblems(tx, row);
  });
}

async function findImport(tx: Tx, actor: Actor, importId: string, lock = false) {
  const q = tx
    .select()
    .from(imports)
    .where(and(eq(imports.workspaceId, actor.workspaceId), eq(imports.importId, importId)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('The import');
  return row;
}

export async function getImport(services: Services, actor: Actor, importId: string): Promise<TImport> {
  await assertCanImport(services, actor);
  return inTenant(services, actor, async (tx) => presentWithProblems(tx, await findImport(tx, actor, importId)));
}

/** The workspace's imports, newest first; keyset over (created_at, id). */
export async function listImports(services: Services, actor: Actor, q: ListImportsInput): Promise<TImportList> {
  await assertCanImport(services, actor);
  const conds = [eq(imports.workspaceId, actor.workspaceId)];
  if (q.after) {
    const c = decodeCursor(q.after, 'imports.createdAt', 'desc');
    conds.push(sql`(${imports.createdAt}, ${imports.importId}) < (${c.value}::timestamptz, ${c.id}::uuid)`);
  }
  return inTenant(services, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(imports)
      .where(and(...conds))
      .orderBy(desc(imports.createdAt), desc(imports.importId))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const files = page.length
      ? await tx
          .select()
          .from(importFiles)
          .where(
            and(
              eq(importFiles.workspaceId, actor.workspaceId),
              inArray(
                importFiles.fileId,
                page.map((r) => r.fileId),
              ),
            ),
          )
      : [];
    const byId = new Map(files.map((f) => [f.fileId, f]));
    const items: TImport[] = [];
    for (const r of page) {
      const f = byId.get(r.fileId);
      if (f) items.push(presentImport(r, f, []));
    }
    const last = page.at(-1);
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({
            sort: 'imports.createdAt',
            dir: 'desc',
            value: last.createdAt.toISOString(),
            id: last.importId,
          })
        : null;
    return { items, nextCursor };
  });
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The report of refused rows as CSV (row, field, problem), read a page at a time. */
export async function* reportCsv(services: Services, actor: Actor, importId: string): AsyncGenerator<string> {
  await assertCanImport(services, actor);
  await inTenant(services, actor, (tx) => findImport(tx, actor, importId));
  yield 'row,field,problem\r\n';
  let after: { row: number; seq: number } | null = null;
  for (;;) {
    const cursor: { row: number; seq: number } | null = after;
    const rows: { row: number; seq: number; field: string; problem: string }[] = await inTenant(services, actor, (tx) =>
      tx
        .select({
          row: importErrors.rowNo,
          seq: importErrors.seq,
          field: importErrors.field,
          problem: importErrors.problem,
        })
        .from(importErrors)
        .where(
          and(
            eq(importErrors.workspaceId, actor.workspaceId),
            eq(importErrors.importId, importId),
            cursor ? sql`(${importErrors.rowNo}, ${importErrors.seq}) > (${cursor.row}, ${cursor.seq})` : undefined,
          ),
        )
        .orderBy(asc(importErrors.rowNo), asc(importErrors.seq))
        .limit(5000),
    );
    if (!rows.length) return;
    yield rows.map((r) => `${r.row},${csvCell(r.field)},${csvCell(r.problem)}\r\n`).join('');
    const last: { row: number; seq: number } | undefined = rows.at(-1);
    if (!last || rows.length < 5000) return;
    after = { row: last.row, seq: last.seq };
  }
}

/** Asks for an import to be undone (by the `import.run` job): the member who ran it, or an
 *  admin. Only a finished, real import that wrote something can be undone, once. */
export async function requestUndo(services: Services, actor: Actor, importId: string): Promise<TImport> {
  await assertCanImport(services, actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findImport(tx, actor, importId, true);
    if (row.createdBy !== actor.userId && !roleAtLeast(actor.role, 'admin')) {
      throw forbidden('Only the member who ran an import, or an admin, can undo it.');
    }
    if (row.dryRun) throw conflict('A dry run wrote nothing to undo.');
    if (row.status !== 'done' && row.status !== 'failed') {
      throw conflict(
        row.status === 'undone' || row.status === 'undoing'
          ? 'This import is already undone.'
          : 'The import is still running; undo it when it has finished.',
      );
    }
    const [updated] = await tx
      .update(imports)
      .set({ status: 'undoing', leaseUntil: null })
      .where(and(eq(imports.workspaceId, actor.workspaceId), eq(imports.importId, importId)))
      .returning();
    await appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: 'import.undo_requested',
        target: { type: 'import', id: importId },
      },
      now,
    );
    return presentWithProblems(tx, updated ?? row);
  });
}

/** Imports waiting for a run, or whose run stopped (its lease ran out), in one workspace. */
export async function pendingImports(tx: Tx, workspaceId: string, now: Date): Promise<string[]> {
  const rows = await tx
    .select({ importId: imports.importId })
    .from(imports)
    .where(
      and(
        eq(imports.workspaceId, workspaceId),
        inArray(imports.status, ['queued', 'running', 'undoing']),
        sql`(${imports.leaseUntil} is null or ${imports.leaseUntil} < ${now.toISOString()}::timestamptz)`,
      ),
    )
    .orderBy(asc(imports.createdAt))
    .limit(20);
  return rows.map((r) => r.importId);
}
