import type {
  TPerson,
  TPersonCompany,
  TPersonEmail,
  TPersonList,
  TPersonPhone,
  TTrashItem,
  ZCreatePersonBody,
  ZLinkCompanyBody,
  ZPersonListQuery,
  ZUpdatePersonBody,
} from '@tillit/contracts';
import { isCustomSort, SUBJECT_CATEGORIES } from '@tillit/contracts';
import { and, type Column, eq, getTableColumns, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { cachedStatement } from '../../db/named.ts';
import {
  companies,
  people,
  personCategories,
  personCompanies,
  personEmails,
  personPhones,
  personTags,
  workspaces,
} from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { AppError, notFound, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { recordAccess } from '../../privacy/access-log/access-log.service.ts';
import { appendAudit, appendAuditMany } from '../../privacy/audit/audit.service.ts';
import { assertNoTombstone, assertNoTombstoneAdded } from '../../privacy/erasure/tombstones.ts';
import { activeRestriction, assertNotRestricted } from '../../privacy/restriction/restriction.service.ts';
import type { Services } from '../../services.ts';
import {
  checkValues,
  foldValueRows,
  type StoredValueRow,
  writeValues,
} from '../custom-fields/custom-fields.service.ts';
import {
  customCursorKey,
  decodeCustomCursor,
  fieldsByKey,
  isOwnerCursorValue,
  tableViewPage,
  textSortKeys,
} from '../custom-fields/table-query.ts';
import { reindexRecords } from '../search/search.index.ts';
import { emitRecordEvent, eventWanted } from '../webhooks/webhooks.emit.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { insertPeopleRows } from './people.bulk.ts';
import { cleanTags, decodeCursor, encodeCursor, prefixRange } from './people.cursor.ts';
import { normalisePhone } from './people.phone.ts';
import {
  assertCanWrite,
  assertOwnerIsMember,
  effectiveVisibility,
  resolveVisibility,
  seesEverything,
  visibleTo,
} from './people.policy.ts';
import { displayName, type PersonRow, presentPerson, presentTrashItem } from './people.presenter.ts';

export type CreateInput = z.output<typeof ZCreatePersonBody>;
export type UpdateInput = z.output<typeof ZUpdatePersonBody>;
export type ListInput = z.output<typeof ZPersonListQuery>;
export type LinkInput = z.output<typeof ZLinkCompanyBody>;
type EmailInput = NonNullable<UpdateInput['emails']>[number];
type PhoneInput = NonNullable<UpdateInput['phones']>[number];

export function inTenant<T>(services: Services, actor: Actor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return withTenant(
    services.database.db,
    { workspaceId: actor.workspaceId, userId: actor.userId, held: actor.held },
    fn,
  );
}

const userActor = (actor: Actor) => ({ kind: 'user' as const, id: actor.userId });

// Reading

type Parts = {
  emails: TPersonEmail[];
  phones: TPersonPhone[];
  tags: string[];
  categories: TPerson['subjectCategories'];
  companies: TPersonCompany[];
  custom: Omit<StoredValueRow, 'recordId' | 'ordinal'>[];
};

/**
 * Everything a person shows besides their own row, as correlated subqueries on `id` (the
 * person id of the outer row), each aggregated to JSON: the emails and phones (in position
 * order), tags, subject categories, the companies the actor may see (live ones, by name) and
 * the custom-field values. A page of people or one person then reads in one statement (it
 * was six set-based queries after the people's own).
 */
function partsFields(actor: Actor, id: SQL | Column) {
  const ws = actor.workspaceId;
  const companyVisible = visibleTo(actor, companies);
  const f = <K extends keyof Parts>(q: SQL) => sql<Parts[K]>`coalesce((${q}), '[]'::json)`;
  return {
    emails:
      f<'emails'>(sql`select json_agg(json_build_object('value', e.email, 'type', e.type, 'primary', e.is_primary) order by e.position)
        from person_emails e where e.workspace_id = ${ws} and e.person_id = ${id}`),
    phones:
      f<'phones'>(sql`select json_agg(json_build_object('value', ph.phone, 'type', ph.type, 'primary', ph.is_primary) order by ph.position)
        from person_phones ph where ph.workspace_id = ${ws} and ph.person_id = ${id}`),
    tags: f<'tags'>(
      sql`select json_agg(t.tag order by t.position) from person_tags t where t.workspace_id = ${ws} and t.person_id = ${id}`,
    ),
    categories: f<'categories'>(
      sql`select json_agg(pcat.category) from person_categories pcat where pcat.workspace_id = ${ws} and pcat.person_id = ${id}`,
    ),
    companies:
      f<'companies'>(sql`select json_agg(json_build_object('companyId', pc.company_id, 'name', ${companies.name}, 'role', pc.role)
          order by ${companies.nameKey}, ${companies.companyId})
        from person_companies pc join ${companies}
          on ${companies.workspaceId} = pc.workspace_id and ${companies.companyId} = pc.company_id
        where pc.workspace_id = ${ws} and pc.person_id = ${id} and ${companies.deletedAt} is null
          ${companyVisible ? sql`and ${companyVisible}` : sql``}`),
    custom: f<'custom'>(sql`select json_agg(json_build_object('key', f.key, 'type', f.type, 'valueText', v.value_text,
            'valueNumber', v.value_number, 'valueDate', v.value_date, 'valueBool', v.value_bool) order by v.field_id, v.ordinal)
        from person_field_values v join custom_fields f on f.workspace_id = v.workspace_id and f.field_id = v.field_id
        where v.workspace_id = ${ws} and v.person_id = ${id}`),
  };
}

/** The parts of a page of people, in one statement (see `partsFields`). */
async function loadParts(tx: Tx, actor: Actor, ids: string[]): Promise<Map<string, Parts>> {
  const out = new Map<string, Parts>();
  if (ids.length === 0) return out;
  const rows = await pagePartsStatement<Parts & { personId: string }>(tx, seesEverything(actor) ? 'all' : 'visible', {
    ws: actor.workspaceId,
    user: actor.userId,
    ids: arrayParam(ids),
  });
  for (const r of rows) out.set(String(r.personId), r);
  return out;
}

/** An actor whose workspace and user are the placeholders `ws` and `user`, and whose role
 *  gives the visibility shape: 'all' (admins and owners see every record) or 'visible'. */
function placeholderActor(shape: string): Actor {
  return {
    workspaceId: sql.placeholder('ws'),
    userId: sql.placeholder('user'),
    role: shape === 'all' ? 'owner' : 'member',
  } as unknown as Actor;
}

/** The parts of a list of people (`ids`, one array), built once per visibility shape. */
const pagePartsStatement = cachedStatement((shape) => {
  const ph = placeholderActor(shape);
  const columns = sql.join(
    Object.entries(partsFields(ph, sql.raw('ids.person_id'))).map(([k, v]) => sql`${v} as ${sql.identifier(k)}`),
    sql`, `,
  );
  return sql`select ids.person_id as "personId", ${columns} from unnest(${sql.placeholder('ids')}::uuid[]) as ids(person_id)`;
});

function presentWithParts(r: PersonRow, p: Parts | undefined): TPerson {
  return presentPerson(r, {
    emails: p?.emails ?? [],
    phones: p?.phones ?? [],
    companies: p?.companies ?? [],
    tags: p?.tags ?? [],
    subjectCategories: [...(p?.categories ?? [])].sort((a, b) => CATEGORY_ORDER[a] - CATEGORY_ORDER[b]),
    customFields:
      foldValueRows((p?.custom ?? []).map((c, ordinal) => ({ ...c, recordId: r.personId, ordinal }))).get(r.personId) ??
      {},
  });
}

export async function presentPeople(tx: Tx, actor: Actor, rows: PersonRow[]): Promise<TPerson[]> {
  const parts = await loadParts(
    tx,
    actor,
    rows.map((r) => r.personId),
  );
  return rows.map((r) => presentWithParts(r, parts.get(r.personId)));
}

/** A live person the actor can see, optionally locked for the rest of the transaction. */
async function findPerson(tx: Tx, actor: Actor, personId: string, opts: { lock?: boolean; deleted?: boolean } = {}) {
  const q = tx
    .select()
    .from(people)
    .where(
      and(
        eq(people.workspaceId, actor.workspaceId),
        eq(people.personId, personId),
        opts.deleted ? isNotNull(people.deletedAt) : isNull(people.deletedAt),
        visibleTo(actor, people),
      ),
    );
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw notFound('The person');
  return row;
}

async function presentOne(tx: Tx, actor: Actor, personId: string): Promise<TPerson> {
  const [row] = await tx
    .select()
    .from(people)
    .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, personId)));
  if (!row) throw notFound('The person');
  const [person] = await presentPeople(tx, actor, [row]);
  if (!person) throw notFound('The person');
  return person;
}

const PERSON_COLUMNS = Object.entries(getTableColumns(people));

/** The select list of a person with their parts, each under its key (`readPersonRow` reads it). */
function personWithParts(actor: Actor): SQL {
  return sql.join(
    [
      ...PERSON_COLUMNS.map(([k, c]) => sql`${c} as ${sql.identifier(k)}`),
      ...Object.entries(partsFields(actor, people.personId)).map(([k, v]) => sql`${v} as ${sql.identifier(k)}`),
    ],
    sql`, `,
  );
}

/** A live person the actor may see, with their parts (`partsFields`), in one named
 *  statement built once per visibility shape ('all' for admins, else 'visible'). */
export const readPersonStatement = cachedStatement((shape) => {
  const ph = placeholderActor(shape);
  const visible = visibleTo(ph, people);
  return sql`select ${personWithParts(ph)} from ${people}
    where ${people.workspaceId} = ${sql.placeholder('ws')} and ${people.personId} = ${sql.placeholder('id')}
      and ${people.deletedAt} is null ${visible ? sql`and ${visible}` : sql``}`;
});

/** A row of `readPersonStatement` or `pageStatement` (from the driver, or as JSON from
 *  people.get-once.ts): the person's row with the driver's values mapped, and their parts. */
function readPersonRow(raw: Record<string, unknown>): { row: PersonRow; parts: Parts } {
  const row: Record<string, unknown> = { ...raw };
  for (const [k, c] of PERSON_COLUMNS) {
    const v = raw[k];
    row[k] = v === null || v === undefined ? null : c.mapFromDriverValue(v);
  }
  const { emails, phones, tags, categories, companies: links, custom, ...personRow } = row as PersonRow & Parts;
  return { row: personRow, parts: { emails, phones, tags, categories, companies: links, custom } };
}

/** A row of `readPersonStatement` as the API shows it. */
export function presentPersonRead(raw: Record<string, unknown>): TPerson {
  const { row, parts } = readPersonRow(raw);
  return presentWithParts(row, parts);
}

export async function getPerson(services: Services, actor: Actor, personId: string): Promise<TPerson> {
  return inTenant(services, actor, async (tx) => {
    // The person and everything shown with them in one statement.
    const [raw] = await readPersonStatement<Record<string, unknown>>(tx, seesEverything(actor) ? 'all' : 'visible', {
      ws: actor.workspaceId,
      user: actor.userId,
      id: personId,
    });
    if (!raw) throw notFound('The person');
    const person = presentPersonRead(raw);
    await recordAccess(
      tx,
      actor.workspaceId,
      { actor: accessActor(actor), action: 'read', via: 'people.get', subjects: { kind: 'person', ids: [personId] } },
      services.clock.now(),
    );
    return person;
  });
}

const CATEGORY_ORDER = Object.fromEntries(SUBJECT_CATEGORIES.map((c, i) => [c, i])) as Record<
  TPerson['subjectCategories'][number],
  number
>;

const SORT_COLUMNS = {
  name: people.sortName,
  createdAt: people.createdAt,
  updatedAt: people.updatedAt,
} as const;
/** Table-view sorts by text fields (`textSortKey`, one partial index each). */
const TEXT_SORTS = {
  lastName: people.lastName,
  title: people.title,
  city: people.city,
  country: people.country,
} as const;

/** The filters, search and sort of the people list, without its page (cursor and limit). */
export type PeopleFilter = Omit<ListInput, 'after' | 'limit'>;
/** Where a keyset page starts: the last row's sort value and id (what a cursor carries). */
export type KeysetPosition = { value: string; id: string };

/** The filters of a page of people, each a value or a `sql.placeholder` (`pageStatement`);
 *  a filter left undefined is not applied. */
type FilterValues = {
  ws: unknown;
  from?: unknown;
  to?: unknown;
  tag?: unknown;
  category?: unknown;
  ownerId?: unknown;
  companyId?: unknown;
  createdAfter?: unknown;
  createdBefore?: unknown;
};

/** The conditions of a page of people: the workspace's live people the actor can see, and the
 *  filters set in `v`. */
function filterConds(actor: Actor, v: FilterValues): (SQL | undefined)[] {
  const ws = v.ws;
  const conds: (SQL | undefined)[] = [
    sql`${people.workspaceId} = ${ws}`,
    isNull(people.deletedAt),
    visibleTo(actor, people),
  ];
  if (v.from !== undefined && v.to !== undefined) {
    const { from, to } = v;
    // Three index range scans (full name, last name, email), united into one array, then
    // one primary-key probe per match (`= any(array(...))` is an index condition even
    // under RLS); the planner would otherwise hash-join against a scan of the workspace.
    conds.push(sql`${people.personId} = any(array(
      select p2.person_id from people p2 where p2.workspace_id = ${ws} and p2.deleted_at is null and p2.sort_name >= ${from} and p2.sort_name < ${to}
      union select p3.person_id from people p3 where p3.workspace_id = ${ws} and p3.deleted_at is null and p3.last_name_key >= ${from} and p3.last_name_key < ${to}
      union select e.person_id from person_emails e where e.workspace_id = ${ws} and e.email >= ${from} and e.email < ${to}))`);
  }
  if (v.tag !== undefined) {
    conds.push(
      sql`${people.personId} in (select ${personTags.personId} from ${personTags} where ${personTags.workspaceId} = ${ws} and ${personTags.tag} = ${v.tag})`,
    );
  }
  if (v.category !== undefined) {
    conds.push(
      sql`${people.personId} in (select ${personCategories.personId} from ${personCategories} where ${personCategories.workspaceId} = ${ws} and ${personCategories.category} = ${v.category})`,
    );
  }
  if (v.ownerId !== undefined) conds.push(sql`${people.ownerId} = ${v.ownerId}::uuid`);
  if (v.companyId !== undefined) {
    // Only through a live company the caller can see: a hidden company's people list is empty.
    const companyId = sql`${v.companyId}::uuid`;
    const companyVisible = visibleTo(actor, companies) ?? sql`true`;
    conds.push(
      sql`exists (select 1 from ${personCompanies} where ${personCompanies.workspaceId} = ${ws} and ${personCompanies.companyId} = ${companyId} and ${personCompanies.personId} = ${people.personId})`,
      sql`exists (select 1 from ${companies} where ${companies.workspaceId} = ${ws} and ${companies.companyId} = ${companyId} and ${companies.deletedAt} is null and ${companyVisible})`,
    );
  }
  if (v.createdAfter !== undefined) conds.push(sql`${people.createdAt} >= ${v.createdAfter}::timestamptz`);
  if (v.createdBefore !== undefined) conds.push(sql`${people.createdAt} < ${v.createdBefore}::timestamptz`);
  return conds;
}

/**
 * One keyset page of the people the actor can see, over (sort value, id), each sort backed
 * by an index that leads with workspace_id; no OFFSET, no COUNT. Shared by the list (one
 * page per request) and the export (every page, streamed), so both apply exactly the same
 * filters, search, sort and visibility. `next` is set when more rows follow.
 */
export async function peoplePage(
  tx: Tx,
  actor: Actor,
  q: PeopleFilter,
  page: { after?: KeysetPosition | undefined; limit: number },
): Promise<{ items: TPerson[]; next: KeysetPosition | null }> {
  const ws = actor.workspaceId;
  const range = q.q ? prefixRange(q.q.toLowerCase().replace(/\s+/g, ' ')) : null;
  const values = {
    ws,
    from: range?.from,
    to: range?.to,
    tag: q.tag,
    category: q.subjectCategory,
    ownerId: q.ownerId,
    companyId: q.companyId,
    createdAfter: q.createdAfter ? new Date(q.createdAfter).toISOString() : undefined,
    createdBefore: q.createdBefore ? new Date(q.createdBefore).toISOString() : undefined,
  };
  const conds = filterConds(actor, values);
  const sort = q.sort;
  const r = await tableViewPage<PersonRow>(tx, {
    ws,
    object: 'person',
    table: people,
    id: people.personId,
    idKey: 'personId',
    owner: people.ownerId,
    workspace: people.workspaceId,
    scope: [eq(people.workspaceId, ws), isNull(people.deletedAt)],
    keys: textSortKeys(TEXT_SORTS),
    q,
    conds,
    page,
  });
  if (r) return { items: await presentPeople(tx, actor, r.rows), next: r.next };
  const shape: PageShape = {
    v: seesEverything(actor) ? 'all' : 'visible',
    q: Boolean(q.q),
    tag: Boolean(q.tag),
    category: Boolean(q.subjectCategory),
    owner: Boolean(q.ownerId),
    company: Boolean(q.companyId),
    createdAfter: Boolean(q.createdAfter),
    createdBefore: Boolean(q.createdBefore),
    after: Boolean(page.after),
    sort: sort as PageShape['sort'],
    dir: q.dir,
  };
  // Table-view filters (`filter=`, pushed into `conds` by tableViewPage) take many shapes:
  // that page is built for the request; every other page is one of few cached texts.
  const raws = q.filter?.length
    ? (
        (await tx.execute(
          pageSql(actor, conds, { sort: shape.sort, dir: q.dir }, { ...page, limit: page.limit + 1 }),
        )) as unknown as { rows: Record<string, unknown>[] }
      ).rows
    : await pageStatement<Record<string, unknown>>(tx, JSON.stringify(shape), {
        ...values,
        user: actor.userId,
        afterValue: page.after?.value,
        afterId: page.after?.id,
        limit: page.limit + 1,
      });
  const rows = raws.map(readPersonRow);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1)?.row;
  const next =
    rows.length > page.limit && last
      ? {
          value: sort === 'name' ? (last.sortName ?? '') : last[sort as 'createdAt' | 'updatedAt'].toISOString(),
          id: last.personId,
        }
      : null;
  return { items: items.map(({ row, parts }) => presentWithParts(row, parts)), next };
}

/** What the text of a page of people (`pageStatement`) depends on: the actor's visibility
 *  shape, which filters are set, whether it continues after a cursor, the sort and direction. */
type PageShape = {
  v: 'all' | 'visible';
  q: boolean;
  tag: boolean;
  category: boolean;
  owner: boolean;
  company: boolean;
  createdAfter: boolean;
  createdBefore: boolean;
  after: boolean;
  sort: keyof typeof SORT_COLUMNS;
  dir: 'asc' | 'desc';
};

/**
 * A page of people with each one's parts (`partsFields`), in one named statement whose text is
 * built once per `PageShape` (its key, as JSON), the values filled in per request. Building it
 * with drizzle on every request (twice: once for its name, once to run it) was 8 % of the
 * server's CPU on the list benchmark.
 */
const pageStatement = cachedStatement((key) => {
  const s = JSON.parse(key) as PageShape;
  const ph = placeholderActor(s.v);
  const p = (set: boolean, name: string) => (set ? sql.placeholder(name) : undefined);
  const conds = filterConds(ph, {
    ws: sql.placeholder('ws'),
    from: p(s.q, 'from'),
    to: p(s.q, 'to'),
    tag: p(s.tag, 'tag'),
    category: p(s.category, 'category'),
    ownerId: p(s.owner, 'ownerId'),
    companyId: p(s.company, 'companyId'),
    createdAfter: p(s.createdAfter, 'createdAfter'),
    createdBefore: p(s.createdBefore, 'createdBefore'),
  });
  return pageSql(ph, conds, s, {
    after: s.after ? { value: sql.placeholder('afterValue'), id: sql.placeholder('afterId') } : undefined,
    limit: sql.placeholder('limit'),
  });
});

/** A page of people with their parts over `conds`, by a built-in sort: values or placeholders. */
function pageSql(
  actor: Actor,
  conds: (SQL | undefined)[],
  s: { sort: keyof typeof SORT_COLUMNS; dir: 'asc' | 'desc' },
  page: { after?: { value: unknown; id: unknown } | undefined; limit: unknown },
): SQL {
  const col = SORT_COLUMNS[s.sort];
  const where = [...conds];
  if (page.after) {
    const value = s.sort === 'name' ? sql`${page.after.value}` : sql`${page.after.value}::timestamptz`;
    const id = sql`${page.after.id}::uuid`;
    where.push(
      s.dir === 'asc'
        ? sql`(${col}, ${people.personId}) > (${value}, ${id})`
        : sql`(${col}, ${people.personId}) < (${value}, ${id})`,
    );
  }
  const dir = s.dir === 'asc' ? sql`asc` : sql`desc`;
  return sql`select ${personWithParts(actor)} from ${people} where ${and(...where)}
    order by ${col} ${dir}, ${people.personId} ${dir} limit ${page.limit}`;
}

/** One page of the people the actor can see (`peoplePage` behind an opaque cursor). */
/** Who an access row names: the API key when one made the request, else the member. */
function accessActor(actor: Actor) {
  return actor.apiKeyId
    ? { kind: 'api_key' as const, id: actor.apiKeyId }
    : { kind: 'user' as const, id: actor.userId };
}

/** The filter of a list request for the access log: which filters, and ids or categories,
 *  never the search text (it may be a name or an email). */
function filterKeys(filter: PeopleFilter): Record<string, unknown> {
  const { q, filter: filters, ...rest } = filter;
  // Filter values may be a name or an email: only the fields and operators are kept.
  return {
    ...rest,
    ...(q ? { q: 'search' } : {}),
    ...(filters?.length ? { filter: filters.map((f) => `${f.field}:${f.op}`) } : {}),
  };
}

export async function listPeople(services: Services, actor: Actor, q: ListInput): Promise<TPersonList> {
  const { after: raw, limit, ...filter } = q;
  return inTenant(services, actor, async (tx) => {
    // A custom-field sort's cursor says whether it is past the records with a value.
    let key = `people.${q.sort}`;
    let after: KeysetPosition | undefined;
    if (isCustomSort(q.sort)) {
      const field = (await fieldsByKey(tx, actor.workspaceId, 'person')).get(q.sort.slice(3));
      if (!field) throw validationFailed({ sort: `is not a custom field of people: ${q.sort}` });
      key = customCursorKey(key);
      if (raw) after = decodeCustomCursor(raw, `people.${q.sort}`, q.dir, field);
    } else {
      // A text or owner sort's cursor holds text, not a date (decodeCursor checks dates unless `.name`).
      if (q.sort in TEXT_SORTS || q.sort === 'owner') key = `${key}.name`;
      if (raw) after = decodeCursor(raw, key, q.dir);
      if (after && q.sort === 'owner' && !isOwnerCursorValue(after.value))
        throw validationFailed({ after: 'is not a cursor from this list (same sort and dir)' });
    }
    const { items, next } = await peoplePage(tx, actor, filter, { after, limit });
    const nextCursor = next ? encodeCursor({ sort: key, dir: q.dir, ...next }) : null;
    if (items.length > 0) {
      // A list shows many people: one row for the request, with its filter and count.
      await recordAccess(
        tx,
        actor.workspaceId,
        {
          actor: accessActor(actor),
          action: 'list',
          via: 'people.list',
          details: { filter: filterKeys(filter), count: items.length },
        },
        services.clock.now(),
      );
    }
    return { items, nextCursor };
  });
}

// Writing

async function workspaceCountry(tx: Tx, workspaceId: string): Promise<string> {
  const [w] = await tx
    .select({ country: workspaces.country })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, workspaceId));
  return w?.country ?? 'NO';
}

/** E.164 per phone (with the workspace's country as default); 422 naming each bad one. */
function normalisePhones(list: PhoneInput[], country: string) {
  const problems: Record<string, string> = {};
  const seen = new Set<string>();
  const out = list.map((p, i) => {
    const r = normalisePhone(p.value, country);
    if (!r.ok) {
      problems[`phones.${i}.value`] = r.problem;
      return { ...p, value: '' };
    }
    if (seen.has(r.e164)) problems[`phones.${i}.value`] = 'is listed twice';
    seen.add(r.e164);
    return { ...p, value: r.e164 };
  });
  if (Object.keys(problems).length) throw validationFailed(problems);
  return out;
}

/** The first one is primary when none is marked. */
function withPrimary<T extends { primary: boolean }>(list: T[]): T[] {
  if (list.length === 0 || list.some((x) => x.primary)) return list;
  return list.map((x, i) => ({ ...x, primary: i === 0 }));
}

async function writeEmails(tx: Tx, ws: string, personId: string, list: EmailInput[]) {
  await tx.delete(personEmails).where(and(eq(personEmails.workspaceId, ws), eq(personEmails.personId, personId)));
  if (list.length === 0) return;
  await tx.insert(personEmails).values(
    withPrimary(list).map((e, i) => ({
      workspaceId: ws,
      personId,
      email: e.value,
      type: e.type,
      isPrimary: e.primary,
      position: i,
    })),
  );
}

async function writeCategories(tx: Tx, ws: string, personId: string, list: TPerson['subjectCategories']) {
  await tx
    .delete(personCategories)
    .where(and(eq(personCategories.workspaceId, ws), eq(personCategories.personId, personId)));
  if (list.length === 0) return;
  await tx.insert(personCategories).values(list.map((category) => ({ workspaceId: ws, personId, category })));
}

async function writeTags(tx: Tx, ws: string, personId: string, list: string[]) {
  await tx.delete(personTags).where(and(eq(personTags.workspaceId, ws), eq(personTags.personId, personId)));
  const tags = cleanTags(list);
  if (tags.length === 0) return;
  await tx.insert(personTags).values(tags.map((tag, i) => ({ workspaceId: ws, personId, tag, position: i })));
}

async function writePhones(tx: Tx, ws: string, personId: string, list: PhoneInput[]) {
  await tx.delete(personPhones).where(and(eq(personPhones.workspaceId, ws), eq(personPhones.personId, personId)));
  if (list.length === 0) return;
  await tx.insert(personPhones).values(
    withPrimary(list).map((p, i) => ({
      workspaceId: ws,
      personId,
      phone: p.value,
      type: p.type,
      isPrimary: p.primary,
      position: i,
    })),
  );
}

/** A live company the actor can see, or a 422/404 naming `field`. */
export async function assertCompanyVisible(tx: Tx, actor: Actor, companyId: string, field?: string): Promise<string> {
  const [c] = await tx
    .select({ name: companies.name })
    .from(companies)
    .where(
      and(
        eq(companies.workspaceId, actor.workspaceId),
        eq(companies.companyId, companyId),
        isNull(companies.deletedAt),
        visibleTo(actor, companies),
      ),
    );
  if (!c) {
    if (field) throw validationFailed({ [field]: 'is not a company you can see' });
    throw notFound('The company');
  }
  return c.name;
}

/** The address of a create or update body (people and companies share its contract) as the
 *  address columns to write: a part left out stays as it is, a null clears it. */
export function addressValues(a: CreateInput['address']) {
  if (!a) return {};
  const out: Record<string, string | null> = {};
  for (const k of ['street', 'state', 'postalCode', 'city', 'country'] as const) {
    if (a[k] !== undefined) out[k] = a[k] ?? null;
  }
  return out;
}

export async function createPerson(services: Services, actor: Actor, input: CreateInput): Promise<TPerson> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const phones = normalisePhones(input.phones, await workspaceCountry(tx, ws));
    // P-DSR-3: an erased person's email or phone comes back only with a new consent.
    const ids = { emails: input.emails.map((e) => e.value), phones: phones.map((p) => p.value) };
    await assertNoTombstone(tx, { keys: services.keys, workspaceId: ws }, ids);
    const ownerId = input.ownerId ?? actor.userId;
    await assertOwnerIsMember(tx, actor, ownerId);
    const vis = await resolveVisibility(tx, actor, input);
    const seenCompanies = new Set<string>();
    for (const [i, link] of input.companies.entries()) {
      if (seenCompanies.has(link.companyId))
        throw validationFailed({ [`companies.${i}.companyId`]: 'is listed twice' });
      seenCompanies.add(link.companyId);
      await assertCompanyVisible(tx, actor, link.companyId, `companies.${i}.companyId`);
    }
    const custom = await checkValues(tx, ws, 'person', input.customFields);
    const personId = newId(now.getTime());
    await tx.insert(people).values({
      workspaceId: ws,
      personId,
      firstName: input.firstName,
      lastName: input.lastName,
      title: input.title ?? null,
      ...addressValues(input.address),
      ownerId,
      source: input.source ?? 'manual',
      visibility: vis.visibility,
      teamId: vis.teamId,
      createdAt: now,
      updatedAt: now,
    });
    await writeEmails(tx, ws, personId, input.emails);
    await writePhones(tx, ws, personId, phones);
    await writeTags(tx, ws, personId, input.tags);
    await writeCategories(tx, ws, personId, input.subjectCategories);
    await writeValues(tx, ws, 'person', personId, custom);
    if (input.companies.length) {
      await tx.insert(personCompanies).values(
        input.companies.map((c) => ({
          workspaceId: ws,
          personId,
          companyId: c.companyId,
          role: c.role ?? null,
          createdAt: now,
        })),
      );
    }
    await reindexRecords(tx, actor.workspaceId, 'person', [personId]);
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'person.created',
        target: { type: 'person', id: personId },
        details: { source: input.source ?? 'manual', visibility: vis.visibility },
      },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'person.created', presentOne(tx, actor, personId));
  });
}

/** A check of `createPeople` names the record as `people.<index>.<field>`. */
function prefixed(err: unknown, index: number): unknown {
  if (err instanceof AppError && err.fields) {
    const fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [`people.${index}.${k}`, v]));
    return new AppError(err.code, err.status, err.message, fields);
  }
  return err;
}

/**
 * Creates several people in one transaction, with the checks of `createPerson` (tombstones,
 * owner, visibility, visible companies, custom values) and its side effects (search postings,
 * one `person.created` audit entry each, the webhook outbox), set-based: the look-ups are made
 * once for the batch and the rows go in with `insertPeopleRows` (people.bulk.ts), the import writer's too. For
 * bulk writers (the demo); all or nothing; answers the new ids in input order.
 */
export async function createPeople(services: Services, actor: Actor, inputs: CreateInput[]): Promise<string[]> {
  assertCanWrite(actor);
  if (!inputs.length) return [];
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    const country = await workspaceCountry(tx, ws);
    const phonesOf = inputs.map((input, i) => {
      try {
        return normalisePhones(input.phones, country);
      } catch (err) {
        throw prefixed(err, i);
      }
    });
    // P-DSR-3, as createPerson: one look-up for the batch, naming the record and the field.
    const where: { email: string[]; phone: string[] } = { email: [], phone: [] };
    const ids = { emails: [] as string[], phones: [] as string[] };
    inputs.forEach((input, i) => {
      input.emails.forEach((e, j) => {
        ids.emails.push(e.value);
        where.email.push(`people.${i}.emails.${j}.value`);
      });
      phonesOf[i]?.forEach((p, j) => {
        ids.phones.push(p.value);
        where.phone.push(`people.${i}.phones.${j}.value`);
      });
    });
    await assertNoTombstone(tx, { keys: services.keys, workspaceId: ws }, ids, {
      email: (i) => where.email[i] ?? 'emails',
      phone: (i) => where.phone[i] ?? 'phones',
    });
    const owners = new Set(inputs.map((x) => x.ownerId ?? actor.userId));
    for (const ownerId of owners) await assertOwnerIsMember(tx, actor, ownerId);
    type Vis = Awaited<ReturnType<typeof resolveVisibility>>;
    const visibilities = new Map<string, Vis>();
    const vis: Vis[] = [];
    for (const [i, input] of inputs.entries()) {
      const key = `${input.visibility ?? ''}:${input.teamId ?? ''}`;
      let v = visibilities.get(key);
      if (!v) {
        try {
          v = await resolveVisibility(tx, actor, input);
        } catch (err) {
          throw prefixed(err, i);
        }
        visibilities.set(key, v);
      }
      vis.push(v);
    }
    const companyIds = [...new Set(inputs.flatMap((x) => x.companies.map((c) => c.companyId)))];
    const visible = new Set(
      companyIds.length
        ? (
            await tx
              .select({ companyId: companies.companyId })
              .from(companies)
              .where(
                and(
                  eq(companies.workspaceId, ws),
                  inArray(companies.companyId, companyIds),
                  isNull(companies.deletedAt),
                  visibleTo(actor, companies),
                ),
              )
          ).map((c) => c.companyId)
        : [],
    );
    const problems: Record<string, string> = {};
    inputs.forEach((input, i) => {
      const seen = new Set<string>();
      input.companies.forEach((c, j) => {
        if (seen.has(c.companyId)) problems[`people.${i}.companies.${j}.companyId`] = 'is listed twice';
        else if (!visible.has(c.companyId))
          problems[`people.${i}.companies.${j}.companyId`] = 'is not a company you can see';
        seen.add(c.companyId);
      });
    });
    if (Object.keys(problems).length) throw validationFailed(problems);
    const custom: Awaited<ReturnType<typeof checkValues>>[] = [];
    for (const [i, input] of inputs.entries()) {
      try {
        custom.push(await checkValues(tx, ws, 'person', input.customFields));
      } catch (err) {
        throw prefixed(err, i);
      }
    }

    const personIds = inputs.map(() => newId(now.getTime()));
    const idOf = (i: number) => personIds[i] as string;
    await insertPeopleRows(
      tx,
      ws,
      inputs.map((input, i) => ({
        personId: idOf(i),
        firstName: input.firstName,
        lastName: input.lastName,
        title: input.title ?? null,
        address: input.address ?? {},
        ownerId: input.ownerId ?? actor.userId,
        source: input.source ?? 'manual',
        visibility: vis[i]?.visibility ?? 'workspace',
        teamId: vis[i]?.teamId ?? null,
        emails: withPrimary(input.emails),
        phones: withPrimary(phonesOf[i] ?? []),
        tags: input.tags,
        categories: input.subjectCategories,
        companies: input.companies.map((c) => ({ companyId: c.companyId, role: c.role ?? null })),
      })),
      now,
    );
    for (const [i, checked] of custom.entries()) await writeValues(tx, ws, 'person', idOf(i), checked);
    await reindexRecords(tx, ws, 'person', personIds);
    await appendAuditMany(
      tx,
      ws,
      inputs.map((input, i) => ({
        actor: userActor(actor),
        action: 'person.created',
        target: { type: 'person', id: idOf(i) },
        details: { source: input.source ?? 'manual', visibility: vis[i]?.visibility ?? 'workspace' },
      })),
      now,
    );
    if (await eventWanted(tx, ws, 'person.created')) {
      for (const id of personIds) await emitRecordEvent(tx, now, ws, 'person.created', presentOne(tx, actor, id));
    }
    return personIds;
  });
}

export async function updatePerson(
  services: Services,
  actor: Actor,
  personId: string,
  input: UpdateInput,
): Promise<TPerson> {
  assertCanWrite(actor);
  return inTenant(services, actor, (tx) => updatePersonIn(tx, services, actor, personId, input));
}

/** The phones of an update as they will be stored (E.164 by the workspace's country); 422 on
 *  `phones.<i>.value` for one that cannot be read. */
export async function normalisedPhonesOf(tx: Tx, workspaceId: string, phones: PhoneInput[]): Promise<PhoneInput[]> {
  return normalisePhones(phones, await workspaceCountry(tx, workspaceId));
}

/**
 * The update in the caller's transaction (a rectification applies its correction this way,
 * with the restriction lift in the same transaction). `correctionOf`: the rectification request
 * whose own restriction the update may pass (P-DSR-2); any other active restriction refuses it.
 */
export async function updatePersonIn(
  tx: Tx,
  services: Services,
  actor: Actor,
  personId: string,
  input: UpdateInput,
  options: { correctionOf?: string } = {},
): Promise<TPerson> {
  assertCanWrite(actor);
  const now = services.clock.now();
  const ws = actor.workspaceId;
  const row = await findPerson(tx, actor, personId, { lock: true });
  const ownRestriction =
    options.correctionOf !== undefined &&
    (await activeRestriction(tx, ws, personId))?.requestId === options.correctionOf;
  if (!ownRestriction) await assertNotRestricted(tx, ws, personId); // P-DSR-2: read-only while restricted
  const phones = input.phones ? normalisePhones(input.phones, await workspaceCountry(tx, ws)) : undefined;
  await assertNoTombstoneAdded(tx, { keys: services.keys, workspaceId: ws }, personId, {
    emails: input.emails?.map((e) => e.value) ?? [],
    phones: phones?.map((p) => p.value) ?? [],
  });
  if (input.ownerId) await assertOwnerIsMember(tx, actor, input.ownerId);
  const vis = await resolveVisibility(tx, actor, input, effectiveVisibility(row));
  const custom = await checkValues(tx, ws, 'person', input.customFields);
  const changes: Partial<typeof people.$inferInsert> = { updatedAt: now, ...vis, ...addressValues(input.address) };
  if (input.firstName !== undefined) changes.firstName = input.firstName;
  if (input.lastName !== undefined) changes.lastName = input.lastName;
  if (input.title !== undefined) changes.title = input.title;
  if (input.ownerId !== undefined) changes.ownerId = input.ownerId;
  await tx
    .update(people)
    .set(changes)
    .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
  if (input.emails) await writeEmails(tx, ws, personId, input.emails);
  if (phones) await writePhones(tx, ws, personId, phones);
  if (input.tags) await writeTags(tx, ws, personId, input.tags);
  if (input.subjectCategories) await writeCategories(tx, ws, personId, input.subjectCategories);
  await writeValues(tx, ws, 'person', personId, custom);
  await reindexRecords(tx, actor.workspaceId, 'person', [personId]);
  await appendAudit(
    tx,
    ws,
    {
      actor: userActor(actor),
      action: 'person.updated',
      target: { type: 'person', id: personId },
      details: { fields: Object.keys(input).sort() },
    },
    now,
  );
  return emitRecordEvent(tx, now, actor.workspaceId, 'person.updated', presentOne(tx, actor, personId));
}

/** To the trash (P-ACC-4): restorable for 30 days, then purged by `trash.purge`. */
export async function deletePerson(services: Services, actor: Actor, personId: string): Promise<TTrashItem> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const row = await findPerson(tx, actor, personId, { lock: true });
    await assertNotRestricted(tx, actor.workspaceId, personId); // P-DSR-2
    await tx
      .update(people)
      .set({ deletedAt: now })
      .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, personId)));
    await reindexRecords(tx, actor.workspaceId, 'person', [personId]);
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'person.deleted', target: { type: 'person', id: personId } },
      now,
    );
    return emitRecordEvent(
      tx,
      now,
      actor.workspaceId,
      'person.deleted',
      presentTrashItem('person', personId, displayName(row.firstName, row.lastName), now),
    );
  });
}

export async function restorePerson(services: Services, actor: Actor, personId: string): Promise<TPerson> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    await findPerson(tx, actor, personId, { lock: true, deleted: true });
    await tx
      .update(people)
      .set({ deletedAt: null, updatedAt: now })
      .where(and(eq(people.workspaceId, actor.workspaceId), eq(people.personId, personId)));
    await reindexRecords(tx, actor.workspaceId, 'person', [personId]);
    await appendAudit(
      tx,
      actor.workspaceId,
      { actor: userActor(actor), action: 'person.restored', target: { type: 'person', id: personId } },
      now,
    );
    return emitRecordEvent(tx, now, actor.workspaceId, 'person.restored', presentOne(tx, actor, personId));
  });
}

// Links to companies (P-CRM-2)

export async function linkCompany(
  services: Services,
  actor: Actor,
  personId: string,
  input: LinkInput,
): Promise<TPerson> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    await findPerson(tx, actor, personId, { lock: true });
    await assertNotRestricted(tx, ws, personId); // P-DSR-2
    await assertCompanyVisible(tx, actor, input.companyId);
    const role = input.role ?? null;
    await tx
      .insert(personCompanies)
      .values({ workspaceId: ws, personId, companyId: input.companyId, role, createdAt: now })
      .onConflictDoUpdate({
        target: [personCompanies.workspaceId, personCompanies.personId, personCompanies.companyId],
        set: { role },
      });
    await tx
      .update(people)
      .set({ updatedAt: now })
      .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'person.company_linked',
        target: { type: 'person', id: personId },
        details: { companyId: input.companyId },
      },
      now,
    );
    return presentOne(tx, actor, personId);
  });
}

export async function unlinkCompany(
  services: Services,
  actor: Actor,
  personId: string,
  companyId: string,
): Promise<TPerson> {
  assertCanWrite(actor);
  const now = services.clock.now();
  return inTenant(services, actor, async (tx) => {
    const ws = actor.workspaceId;
    await findPerson(tx, actor, personId, { lock: true });
    await assertNotRestricted(tx, ws, personId); // P-DSR-2
    await assertCompanyVisible(tx, actor, companyId);
    const removed = await tx
      .delete(personCompanies)
      .where(
        and(
          eq(personCompanies.workspaceId, ws),
          eq(personCompanies.personId, personId),
          eq(personCompanies.companyId, companyId),
        ),
      )
      .returning({ companyId: personCompanies.companyId });
    if (removed.length === 0) throw notFound('The link');
    await tx
      .update(people)
      .set({ updatedAt: now })
      .where(and(eq(people.workspaceId, ws), eq(people.personId, personId)));
    await appendAudit(
      tx,
      ws,
      {
        actor: userActor(actor),
        action: 'person.company_unlinked',
        target: { type: 'person', id: personId },
        details: { companyId },
      },
      now,
    );
    return presentOne(tx, actor, personId);
  });
}
