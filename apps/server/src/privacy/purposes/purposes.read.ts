import { sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { type AccessActor, recordAccess } from '../access-log/access-log.service.ts';
import { declaredTables } from '../data-map/data-map.ts';
import type { PrivacyCtx } from './privacy-context.ts';
import {
  assertPurposeMayRead,
  GOOGLE_MICROSOFT_SOURCE,
  getPurpose,
  isBarredFromGoogleMicrosoft,
  purposeAllows,
  rowsOf,
} from './purposes.service.ts';

export type PurposeRead = {
  /** Per person allowed: per table, the rows with only the columns of the asked categories. */
  people: Map<string, Record<string, Record<string, unknown>[]>>;
  /** The columns read, per table (derived from the data map). */
  columns: Record<string, string[]>;
};

const covers = (asked: readonly string[], category: string) =>
  asked.some((c) => category === c || category.startsWith(`${c}.`));

/**
 * Data minimisation through the processing check (P-LB-4): reads, for a purpose, only the
 * columns whose data-map category is among the `categories` asked, and refuses (409
 * `purpose_category_not_allowed`) a category the purpose does not list. Only the people
 * the purpose may process now (purposeAllows) are read; rows whose own source is Google or
 * Microsoft are left out for the barred kinds (P-INT-9). The read is recorded in the access
 * log. Set-based: one query per table that holds such columns, for the whole batch.
 */
export async function readPeopleForPurpose(
  tx: Tx,
  ctx: PrivacyCtx & { access: AccessActor },
  purposeKey: string,
  personIds: readonly string[],
  categories: readonly string[],
): Promise<PurposeRead> {
  const purpose = await getPurpose(tx, ctx.workspaceId, purposeKey);
  assertPurposeMayRead(purpose, categories);
  const allowed = [...(await purposeAllows(tx, ctx.workspaceId, personIds, purposeKey, ctx.now))];
  const out: PurposeRead = { people: new Map(allowed.map((id) => [id, {}])), columns: {} };
  if (allowed.length === 0) return out;
  for (const t of declaredTables()) {
    if (t.tenancy !== 'tenant' || t.subject?.kind !== 'person') continue;
    const subject = t.subject.column;
    const cols = Object.entries(t.columns)
      .filter(([name, c]) => name !== subject && c.personal && covers(categories, c.category))
      .map(([name]) => name);
    if (cols.length === 0) continue;
    out.columns[t.name] = cols;
    const bySource =
      isBarredFromGoogleMicrosoft(purpose.kind) && t.columns.source
        ? sql` and source !~ ${GOOGLE_MICROSOFT_SOURCE.source}`
        : sql``;
    const res = await tx.execute(
      sql`select ${sql.identifier(subject)}::text as "__subject", ${sql.join(
        cols.map((c) => sql.identifier(c)),
        sql`, `,
      )} from ${sql.identifier(t.name)} where workspace_id = ${ctx.workspaceId} and ${sql.identifier(subject)} = any(${arrayParam(allowed)}::uuid[])${bySource}`,
    );
    for (const row of rowsOf<Record<string, unknown>>(res)) {
      const { __subject, ...fields } = row;
      const person = out.people.get(String(__subject));
      if (!person) continue;
      const list = person[t.name] ?? [];
      list.push(fields);
      person[t.name] = list;
    }
  }
  await recordAccess(
    tx,
    ctx.workspaceId,
    {
      actor: ctx.access,
      action: 'read',
      via: `purpose.${purposeKey}`,
      subjects: { kind: 'person', ids: allowed },
      details: { categories: [...categories] },
    },
    ctx.now,
  );
  return out;
}
