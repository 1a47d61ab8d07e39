import { Readable } from 'node:stream';
import type { TCompany, TDeal, TExportFormat, TPerson } from '@tillit/contracts';
import type { Tx } from '../../db/client.ts';
import type { Json } from '../../lib/canonical-json.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import { type CompanyFilter, companiesPage } from '../companies/companies.service.ts';
import { loadFields } from '../custom-fields/custom-fields.service.ts';
import { type DealFilter, dealsPage } from '../deals/deals.service.ts';
import { loadPipeline } from '../deals/pipelines.service.ts';
import { inTenant, type KeysetPosition, type PeopleFilter, peoplePage } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import {
  COMPANY_CSV_HEADER,
  companyCsv,
  csvCell,
  csvRow,
  DEAL_CSV_HEADER,
  dealCsv,
  PEOPLE_CSV_HEADER,
  personCsv,
  personVcard,
  UTF8_BOM,
} from './export.format.ts';
import { assertCanExport } from './export.policy.ts';

/**
 * Streams a whole filtered view (people, companies, deals) as CSV, vCard or JSON, without a
 * row cap. Rows come from the same keyset page functions as the lists (so the same filters,
 * search, sort and visibility), one batch per short transaction: nothing holds a connection
 * while a slow client reads, and never more than one batch is in memory. The stream is pulled
 * (`Readable.from` over an async generator), so a full socket stops the queries
 * (backpressure). One audit entry records the export when it ends, completed or aborted.
 */

export const EXPORT_BATCH_SIZE = 1000;

export type ExportEntity = 'people' | 'companies' | 'deals';

type PageFn<T> = (
  tx: Tx,
  page: { after?: KeysetPosition | undefined; limit: number },
) => Promise<{ items: T[]; next: KeysetPosition | null }>;

export type ExportOptions = {
  batchSize?: number;
  /** Called with the size of each batch as it is read (tests use it to see the batching). */
  onBatch?: (rows: number) => void;
};

/** Every row of a keyset list, batch by batch, each batch read in its own transaction. */
export async function* readBatches<T>(
  services: Services,
  actor: Actor,
  page: PageFn<T>,
  options: ExportOptions = {},
): AsyncGenerator<T[]> {
  const limit = options.batchSize ?? EXPORT_BATCH_SIZE;
  let after: KeysetPosition | undefined;
  for (;;) {
    const batch = await inTenant(services, actor, (tx) => page(tx, { after, limit }));
    options.onBatch?.(batch.items.length);
    if (batch.items.length) yield batch.items;
    if (!batch.next) return;
    after = batch.next;
  }
}

type Writer<T> = { head: string; row: (item: T, index: number) => string; tail: string };

function jsonWriter<T>(): Writer<T> {
  // A streamed JSON array (one valid document), one record per line.
  return { head: '[\n', row: (item, i) => `${i === 0 ? '' : ',\n'}${JSON.stringify(item)}`, tail: '\n]\n' };
}

/** A CSV writer; with custom fields, one more column per field (`cf.<key>`) after the
 *  built-in ones, in the fields' order (lists joined with "; "). */
function csvWriter<T extends { customFields: Record<string, unknown> }>(
  header: string[],
  row: (item: T) => string,
  bom: boolean,
  customKeys: string[] = [],
): Writer<T> {
  const head = `${bom ? UTF8_BOM : ''}${csvRow([...header, ...customKeys.map((k) => `cf.${k}`)])}`;
  if (customKeys.length === 0) return { head, row: (item) => row(item), tail: '' };
  return {
    head,
    row: (item) => {
      const cells = customKeys.map((k) => {
        const v = item.customFields[k];
        if (v === undefined || v === null) return '';
        return csvCell(Array.isArray(v) ? v.join('; ') : typeof v === 'number' ? v : String(v));
      });
      return `${row(item).slice(0, -2)},${cells.join(',')}\r\n`;
    },
    tail: '',
  };
}

/** The keys of the custom fields of an object, in their order (the CSV's extra columns). */
async function customKeys(services: Services, actor: Actor, object: 'person' | 'company' | 'deal') {
  return (await inTenant(services, actor, (tx) => loadFields(tx, actor.workspaceId, object))).map((f) => f.key);
}

export type ExportRequest =
  | { entity: 'people'; format: TExportFormat; bom: boolean; filter: PeopleFilter }
  | { entity: 'companies'; format: 'csv' | 'json'; bom: boolean; filter: CompanyFilter }
  | { entity: 'deals'; format: 'csv' | 'json'; bom: boolean; filter: DealFilter };

export type ExportResult = { stream: Readable; contentType: string; filename: string };

const CONTENT_TYPES: Record<TExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  vcard: 'text/vcard; charset=utf-8',
  json: 'application/json; charset=utf-8',
};
const EXTENSIONS: Record<TExportFormat, string> = { csv: 'csv', vcard: 'vcf', json: 'json' };

/** The filter as the audit entry keeps it: ids, dates and sort; free text only as a flag
 *  (a search may be a person's name, and the audit log holds no personal values). */
function auditFilter(filter: Record<string, unknown>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    if (k === 'q') out.search = true;
    // Table-view filters: fields and operators only (a value may be a name or an email).
    else if (k === 'filter' && Array.isArray(v))
      out.filter = (v as { field: string; op: string }[]).map((f) => `${f.field}:${f.op}`);
    else out[k] = v as Json;
  }
  return out;
}

/**
 * Checks the right to export, prepares the writer (for deals: the pipeline's stage names),
 * and returns the stream. Errors found before the first byte (no right, unknown pipeline)
 * are thrown here, so the client gets a normal error response.
 */
export async function startExport(
  services: Services,
  actor: Actor,
  req: ExportRequest,
  options: ExportOptions = {},
): Promise<ExportResult> {
  await assertCanExport(services, actor, req.entity);
  const day = services.clock.now().toISOString().slice(0, 10);
  const filename = `${req.entity}-${day}.${EXTENSIONS[req.format]}`;
  const contentType = CONTENT_TYPES[req.format];
  let generator: AsyncGenerator<string>;
  if (req.entity === 'people') {
    const writer: Writer<TPerson> =
      req.format === 'json'
        ? jsonWriter()
        : req.format === 'vcard'
          ? { head: '', row: personVcard, tail: '' }
          : csvWriter(PEOPLE_CSV_HEADER, personCsv, req.bom, await customKeys(services, actor, 'person'));
    const page: PageFn<TPerson> = (tx, p) => peoplePage(tx, actor, req.filter, p);
    generator = writeAll(services, actor, req, page, writer, options);
  } else if (req.entity === 'companies') {
    const writer: Writer<TCompany> =
      req.format === 'json'
        ? jsonWriter()
        : csvWriter(COMPANY_CSV_HEADER, companyCsv, req.bom, await customKeys(services, actor, 'company'));
    const page: PageFn<TCompany> = (tx, p) => companiesPage(tx, actor, req.filter, p);
    generator = writeAll(services, actor, req, page, writer, options);
  } else {
    const pipeline = await inTenant(services, actor, (tx) => loadPipeline(tx, actor, req.filter.pipelineId));
    const stages = new Map(pipeline.stages.map((s) => [s.stageId, s.name]));
    const writer: Writer<TDeal> =
      req.format === 'json'
        ? jsonWriter()
        : csvWriter(
            DEAL_CSV_HEADER,
            (d) => dealCsv(d, (id) => stages.get(id) ?? ''),
            req.bom,
            await customKeys(services, actor, 'deal'),
          );
    const page: PageFn<TDeal> = (tx, p) => dealsPage(tx, actor, req.filter, p);
    generator = writeAll(services, actor, req, page, writer, options);
  }
  // A buffer of one chunk: the next batch is read only once the previous one was taken.
  return { stream: Readable.from(generator, { objectMode: false, highWaterMark: 1 }), contentType, filename };
}

async function* writeAll<T>(
  services: Services,
  actor: Actor,
  req: ExportRequest,
  page: PageFn<T>,
  writer: Writer<T>,
  options: ExportOptions,
): AsyncGenerator<string> {
  let rows = 0;
  let outcome: 'completed' | 'aborted' | 'failed' = 'aborted';
  try {
    if (writer.head) yield writer.head;
    for await (const batch of readBatches(services, actor, page, options)) {
      // One chunk per batch: the consumer pulls the next batch only when it has taken this.
      yield batch.map((item) => writer.row(item, rows++)).join('');
    }
    // The entry is written before the last bytes: an export that cannot be audited fails.
    outcome = 'completed';
    await recordExport(services, actor, req, rows, outcome);
    if (writer.tail) yield writer.tail;
  } catch (err) {
    if (outcome !== 'completed') {
      outcome = 'failed';
      await recordExport(services, actor, req, rows, outcome).catch(() => undefined);
    }
    throw err;
  } finally {
    // The client went away (the stream was destroyed): the rows it may have received are
    // still an access to personal data, so that is recorded too.
    if (outcome === 'aborted') await recordExport(services, actor, req, rows, outcome).catch(() => undefined);
  }
}

async function recordExport(
  services: Services,
  actor: Actor,
  req: ExportRequest,
  rows: number,
  outcome: 'completed' | 'aborted' | 'failed',
): Promise<void> {
  const now = services.clock.now();
  await inTenant(services, actor, (tx) =>
    appendAudit(
      tx,
      actor.workspaceId,
      {
        actor: { kind: 'user', id: actor.userId },
        action: `${req.entity}.exported`,
        details: {
          format: req.format,
          filter: auditFilter(req.filter),
          rows,
          outcome,
        },
      },
      now,
    ),
  );
}
