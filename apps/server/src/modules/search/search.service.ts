import type { TSearchField, TSearchResponse, TSearchResult, ZSearchQuery } from '@tillit/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Tx } from '../../db/client.ts';
import { companies, people, workspaces } from '../../db/schema/index.ts';
import { recordAccess } from '../../privacy/access-log/access-log.service.ts';
import type { Services } from '../../services.ts';
import { prefixRange } from '../people/people.cursor.ts';
import { callingCode } from '../people/people.phone.ts';
import { visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { pgArray, rowsOf, type SearchKind } from './search.index.ts';
import { emailWords, fold, phoneDigits, phonePrefixes, trigrams, wordScore, words } from './search.terms.ts';

export type SearchInput = z.output<typeof ZSearchQuery>;

/** Postings of the rarest query word read per similar term when the best terms alone do not
 *  fill the page: bounds the work when every word of the query is common. */
const DRIVER_POSTINGS = 2_000;
/** Postings counted per term to find the rarest query word. */
const FREQ_CAP = 500;
/** Vocabulary rows read per query trigram. */
const WORDS_PER_GRAM = 5_000;
/** Records ranked by the postings before visibility and presentation. */
const RANKED = 300;
/** Similar words kept per query word, the least score a word needs, and how far below the
 *  best one it may be (an exact "john" need not drag in every "johanna"). */
const WORDS_PER_QUERY_WORD = 5;
const MIN_WORD_SCORE = 0.4;
const WORD_SCORE_MARGIN = 0.2;
const MAX_QUERY_WORDS = 6;

type Candidate = { kind: SearchKind; id: string; score: number; field: TSearchField };

class Candidates {
  readonly map = new Map<string, Candidate>();
  add(kind: SearchKind, id: string, score: number, field: TSearchField) {
    const key = `${kind}:${id}`;
    const had = this.map.get(key);
    if (!had || had.score < score) this.map.set(key, { kind, id, score, field });
  }
  best(n: number): Candidate[] {
    return [...this.map.values()].sort((a, b) => b.score - a.score).slice(0, n);
  }
}

const or = (cond: SQL | undefined) => cond ?? sql`true`;

/** People and companies whose phone, name, last name, email, company name or domain starts
 *  with the query: ranges on byte-ordered (COLLATE "C") btree columns, which row-level
 *  security lets PostgreSQL use, read in index order and cut at `limit`. */
async function prefixMatches(tx: Tx, actor: Actor, raw: string, limit: number, out: Candidates) {
  const ws = actor.workspaceId;
  const pv = or(visibleTo(actor, people));
  const cv = or(visibleTo(actor, companies));
  const q = raw.toLowerCase().replace(/\s+/g, ' ').trim();
  const { from, to } = prefixRange(q);
  const exactOr = (value: string, exact: number, prefix: number) => (value === q ? exact : prefix);

  // One round trip: each source is its own ordered, limited index range.
  const part = (src: string, query: SQL) => sql`(select ${src}::text as src, x.* from (${query}) x)`;
  const parts = [
    part(
      'name',
      sql`select person_id::text as id, sort_name::text as key from people
          where workspace_id = ${ws} and deleted_at is null and sort_name >= ${from} and sort_name < ${to} and ${pv}
          order by sort_name limit ${limit}`,
    ),
    part(
      'last',
      sql`select person_id::text as id, last_name_key::text as key from people
          where workspace_id = ${ws} and deleted_at is null and last_name_key >= ${from} and last_name_key < ${to} and ${pv}
          order by last_name_key limit ${limit}`,
    ),
    part(
      'company',
      sql`select company_id::text as id, name_key::text as key from companies
          where workspace_id = ${ws} and deleted_at is null and name_key >= ${from} and name_key < ${to} and ${cv}
          order by name_key limit ${limit}`,
    ),
  ];
  if (!q.includes(' ')) {
    // Emails are stored in lower case (the contracts fold them) in a byte-ordered column, so
    // the typed start of an address is a range on (workspace_id, email).
    parts.push(
      part(
        'email',
        sql`select e.person_id::text as id, e.email::text as key from person_emails e
            join people on people.workspace_id = e.workspace_id and people.person_id = e.person_id
            where e.workspace_id = ${ws} and e.email >= ${from} and e.email < ${to} and people.deleted_at is null and ${pv}
            order by e.email limit ${limit}`,
      ),
      part(
        'domain',
        sql`select company_id::text as id, domain::text as key from companies
            where workspace_id = ${ws} and deleted_at is null and domain >= ${from} and domain < ${to} and ${cv}
            order by domain limit ${limit}`,
      ),
    );
  }
  const rows = await rowsOf<{ src: string; id: string; key: string }>(tx, sql.join(parts, sql` union all `));
  for (const r of rows) {
    if (r.src === 'name') out.add('person', r.id, exactOr(r.key, 1, 0.85), 'name');
    else if (r.src === 'last') out.add('person', r.id, exactOr(r.key, 0.9, 0.8), 'name');
    else if (r.src === 'email') out.add('person', r.id, exactOr(r.key, 1, 0.8), 'email');
    else if (r.src === 'domain') out.add('company', r.id, exactOr(r.key, 1, 0.8), 'domain');
    else out.add('company', r.id, exactOr(r.key, 1, 0.85), 'name');
  }
}

/** People with a phone that starts with the digits typed, read as international or as a
 *  national number of the workspace's country. */
async function phoneMatches(tx: Tx, actor: Actor, raw: string, limit: number, out: Candidates) {
  const digits = phoneDigits(raw);
  if (!digits) return;
  const ws = actor.workspaceId;
  const [w] = await rowsOf<{ country: string | null }>(
    tx,
    sql`select ${workspaces.country} as country from ${workspaces} where ${workspaces.workspaceId} = ${ws}`,
  );
  const pv = or(visibleTo(actor, people));
  const prefixes = phonePrefixes(digits, callingCode(w?.country ?? 'NO'));
  const parts = prefixes.map((prefix) => {
    const { from, to } = prefixRange(prefix);
    return sql`(select ph.person_id::text as id, ph.phone::text as phone from person_phones ph
          join people on people.workspace_id = ph.workspace_id and people.person_id = ph.person_id
          where ph.workspace_id = ${ws} and ph.phone >= ${from} and ph.phone < ${to} and people.deleted_at is null and ${pv}
          order by ph.phone limit ${limit})`;
  });
  if (parts.length === 0) return;
  const rows = await rowsOf<{ id: string; phone: string }>(tx, sql.join(parts, sql` union all `));
  for (const r of rows) out.add('person', r.id, prefixes.includes(r.phone) ? 1 : 0.9, 'phone');
}

type QueryWord = { word: string; typing: boolean };

function queryWords(raw: string): QueryWord[] {
  const list = words(raw).slice(0, MAX_QUERY_WORDS);
  const endsOpen = !/[\s.,;:@-]$/.test(raw);
  return list.map((word, i) => ({ word, typing: endsOpen && i === list.length - 1 }));
}

/**
 * For each query word, the words of the vocabulary that are like it: those sharing its
 * trigrams (`gram = any(...)`, read per gram and capped), and for the word being typed those
 * it starts (a range on the word). Scored in the application (edit distance and trigram
 * similarity), the best few kept.
 */
async function similarWords(
  tx: Tx,
  ws: string,
  qws: QueryWord[],
): Promise<{ qi: number; term: string; score: number }[]> {
  const grams = new Set<string>();
  for (const q of qws) if (q.word.length >= 3) for (const g of trigrams(q.word, q.typing)) grams.add(g);
  const vocab = new Set<string>(qws.map((q) => q.word));
  const known = new Set<string>();
  // One round trip: the words sharing trigrams, and those the typed word starts.
  const parts: SQL[] = [];
  if (grams.size) {
    parts.push(sql`(select x.word::text as word from unnest(${pgArray([...grams])}::text[]) as g(gram)
          cross join lateral (select w.word from search_words w where w.workspace_id = ${ws} and w.gram = g.gram limit ${WORDS_PER_GRAM}) x
          group by x.word order by count(*) desc limit 4000)`);
  }
  for (const q of qws) {
    if (!q.typing) continue;
    const { from, to } = prefixRange(q.word);
    parts.push(sql`(select distinct word::text as word from search_words where workspace_id = ${ws} and word >= ${from} and word < ${to}
          order by 1 limit 50)`);
  }
  if (parts.length) {
    for (const r of await rowsOf<{ word: string }>(tx, sql.join(parts, sql` union all `))) {
      vocab.add(r.word);
      known.add(r.word);
    }
  }
  const out: { qi: number; term: string; score: number }[] = [];
  qws.forEach((q, qi) => {
    // The typed word is always tried as itself (numbers and short words are postings but not
    // vocabulary), but a word of 3+ letters the vocabulary does not have has no postings:
    // its perfect score must not push the real similar words ("pre" → per) below the margin.
    const unknown = q.word.length >= 3 && /\D/.test(q.word) && !known.has(q.word);
    const scored: { term: string; score: number }[] = [];
    for (const w of vocab) {
      const score = wordScore(q.word, w, q.typing);
      if (score >= MIN_WORD_SCORE) scored.push({ term: w, score });
    }
    scored.sort((a, b) => b.score - a.score || a.term.length - b.term.length);
    const floor = (scored.find((x) => !(unknown && x.term === q.word))?.score ?? 0) - WORD_SCORE_MARGIN;
    for (const s of scored.filter((x) => x.score >= floor).slice(0, WORDS_PER_QUERY_WORD)) out.push({ qi, ...s });
  });
  return out;
}

type WordMatch = { qi: number; term: string; score: number };

const KINDS = {
  person: { terms: sql.raw('person_search_terms'), id: sql.raw('person_id'), table: people },
  company: { terms: sql.raw('company_search_terms'), id: sql.raw('company_id'), table: companies },
} as const;

/** `(qi, term, score)` rows of `matches` as a set-returning expression named `m`. */
function matchRows(matches: WordMatch[]): SQL {
  return sql`unnest(${pgArray(matches.map((x) => String(x.qi)))}::int[], ${pgArray(matches.map((x) => x.term))}::text[], ${pgArray(matches.map((x) => String(x.score)))}::float8[]) as m(qi, term, score)`;
}

/** How many postings each term has per kind, counted up to FREQ_CAP: enough to tell a rare
 *  word from a common one without reading the common one's postings. */
async function termCounts(tx: Tx, ws: string, terms: string[]): Promise<Record<SearchKind, Map<string, number>>> {
  const count = (kind: SearchKind) =>
    sql`(select ${kind}::text as kind, m.term, (select count(*) from (select 1 from ${KINDS[kind].terms} t where t.workspace_id = ${ws} and t.term = m.term limit ${FREQ_CAP}) c)::int as n
        from unnest(${pgArray(terms)}::text[]) as m(term))`;
  const rows = await rowsOf<{ kind: SearchKind; term: string; n: number }>(
    tx,
    sql`${count('person')} union all ${count('company')}`,
  );
  const out = { person: new Map<string, number>(), company: new Map<string, number>() };
  for (const r of rows) out[r.kind].set(r.term, Number(r.n));
  return out;
}

/** One query word: a record scores its best term, so the best `limit` visible records are
 *  among the first `limit` visible postings of each term; each term's read stops there. */
async function oneWordMatches(tx: Tx, actor: Actor, kind: SearchKind, matches: WordMatch[], limit: number) {
  const ws = actor.workspaceId;
  const k = KINDS[kind];
  const vis = or(visibleTo(actor, k.table));
  return rowsOf<{ id: string; score: number }>(
    tx,
    sql`select x.id::text as id, max(m.score)::float8 as score from ${matchRows(matches)}
        cross join lateral (
          select t.${k.id} as id from ${k.terms} t
          join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = t.${k.id}
          where t.workspace_id = ${ws} and t.term = m.term and ${k.table}.deleted_at is null and ${vis}
          limit ${limit}) x
        group by x.id order by score desc limit ${limit}`,
  );
}

/**
 * Several query words, driven by the rarest one (fewest postings): its postings are the
 * candidates, and each other word is checked for a candidate by key on
 * `(workspace_id, term, record)`, never by reading that word's postings in full.
 *
 * First the best score there is: every word by its best-scoring terms ("john smith" →
 * john and smith). Those records all share the highest score, so when `limit` of them are
 * visible they are the answer; reading stops at `limit`. Otherwise every similar term
 * counts: the driver's postings (capped), each scored by the best term of every word it has.
 * A record must then have the rarest word (a record with only the common words would rank
 * below those with all of them, and there are not enough of those to fill the page).
 */
async function severalWordMatches(
  tx: Tx,
  actor: Actor,
  kind: SearchKind,
  matches: WordMatch[],
  counts: Map<string, number>,
  limit: number,
): Promise<{ id: string; score: number }[]> {
  const ws = actor.workspaceId;
  const k = KINDS[kind];
  const vis = or(visibleTo(actor, k.table));
  const byWord = new Map<number, WordMatch[]>();
  for (const m of matches) byWord.set(m.qi, [...(byWord.get(m.qi) ?? []), m]);
  const freq = (list: WordMatch[]) => list.reduce((sum, m) => sum + (counts.get(m.term) ?? 0), 0);
  const [driver, ...others] = [...byWord.values()].sort((a, b) => freq(a) - freq(b));
  if (!driver) return [];
  const bestOf = (list: WordMatch[]) => {
    const top = Math.max(...list.map((m) => m.score));
    return list.filter((m) => m.score === top);
  };
  const has = (list: WordMatch[]) =>
    sql`exists (select 1 from ${k.terms} o where o.workspace_id = ${ws} and o.term = any(${pgArray(list.map((m) => m.term))}::text[]) and o.${k.id} = d.${k.id})`;

  const topScore = [driver, ...others].reduce((sum, list) => sum + (bestOf(list)[0]?.score ?? 0), 0);
  const first = await rowsOf<{ id: string }>(
    tx,
    sql`select d.${k.id}::text as id from ${k.terms} d
        join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = d.${k.id}
        where d.workspace_id = ${ws} and d.term = any(${pgArray(bestOf(driver).map((m) => m.term))}::text[])
          ${
            others.length
              ? sql`and ${sql.join(
                  others.map((o) => has(bestOf(o))),
                  sql` and `,
                )}`
              : sql``
          }
          and ${k.table}.deleted_at is null and ${vis}
        limit ${limit}`,
  );
  const firstIds = [...new Set(first.map((r) => r.id))];
  if (firstIds.length >= limit) return firstIds.map((id) => ({ id, score: topScore }));

  const rest = others.flat();
  const rows = await rowsOf<{ id: string; score: number }>(
    tx,
    sql`with d as (
          select x.id as ${k.id}, max(m.score) as s from ${matchRows(driver)}
          cross join lateral (select t.${k.id} as id from ${k.terms} t where t.workspace_id = ${ws} and t.term = m.term limit ${DRIVER_POSTINGS}) x
          group by x.id),
        r as (
          select d.${k.id} as id, d.s + coalesce(o.s, 0) as score from d
          ${
            rest.length
              ? sql`left join lateral (select sum(b) as s from (select max(m.score) as b from ${matchRows(rest)}
                  where exists (select 1 from ${k.terms} o where o.workspace_id = ${ws} and o.term = m.term and o.${k.id} = d.${k.id})
                  group by m.qi) z) o on true`
              : sql`left join (select null::float8 as s) o on true`
          }
          order by score desc limit ${RANKED})
        select r.id::text as id, r.score::float8 as score from r
        join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = r.id
        where ${k.table}.deleted_at is null and ${vis}
        order by r.score desc limit ${limit}`,
  );
  return rows;
}

/** Records ranked by how many query words they match and how well (0..1), visible only. */
async function fuzzyMatches(tx: Tx, actor: Actor, raw: string, limit: number, out: Candidates) {
  const qws = queryWords(raw);
  if (qws.length === 0 || qws.every((q) => q.word.length < 2)) return;
  const ws = actor.workspaceId;
  const matches = await similarWords(tx, ws, qws);
  if (matches.length === 0) return;
  const n = qws.length;
  const counts = n > 1 ? await termCounts(tx, ws, [...new Set(matches.map((m) => m.term))]) : null;
  for (const kind of ['person', 'company'] as const) {
    let rows: { id: string; score: number }[];
    if (!counts) rows = await oneWordMatches(tx, actor, kind, matches, limit);
    else {
      // Words no record of this kind has cannot match; they add nothing to any score.
      const live = matches.filter((m) => (counts[kind].get(m.term) ?? 0) > 0);
      const words = new Set(live.map((m) => m.qi)).size;
      if (words === 0) continue;
      rows =
        words === 1
          ? await oneWordMatches(tx, actor, kind, live, limit)
          : await severalWordMatches(tx, actor, kind, live, counts[kind], limit);
    }
    for (const r of rows) out.add(kind, r.id, (0.95 * Number(r.score)) / n, 'name');
  }
}

/** How well `qws` match a list of words: the mean of each query word's best score. */
function matchScore(qws: QueryWord[], list: string[]): number {
  if (qws.length === 0 || list.length === 0) return 0;
  let sum = 0;
  for (const q of qws) {
    let best = 0;
    for (const w of list) best = Math.max(best, wordScore(q.word, w, q.typing));
    sum += best;
  }
  return sum / qws.length;
}

async function present(tx: Tx, actor: Actor, raw: string, list: Candidate[]): Promise<TSearchResult[]> {
  const ws = actor.workspaceId;
  const qws = queryWords(raw);
  const personIds = list.filter((c) => c.kind === 'person').map((c) => c.id);
  const companyIds = list.filter((c) => c.kind === 'company').map((c) => c.id);
  const persons = new Map<string, { title: string; subtitle: string | null; name: string[]; email: string[] }>();
  const firms = new Map<string, { title: string; subtitle: string | null; name: string[]; domain: string[] }>();
  if (personIds.length) {
    const rows = await rowsOf<{
      id: string;
      first_name: string;
      last_name: string;
      title: string | null;
      emails: string[] | null;
      phone: string | null;
    }>(
      tx,
      sql`select p.person_id::text as id, p.first_name, p.last_name, p.title,
            array(select e.email::text from person_emails e where e.workspace_id = ${ws} and e.person_id = p.person_id order by e.is_primary desc, e.position) as emails,
            (select ph.phone from person_phones ph where ph.workspace_id = ${ws} and ph.person_id = p.person_id order by ph.is_primary desc, ph.position limit 1) as phone
          from people p where p.workspace_id = ${ws} and p.person_id = any(${pgArray(personIds)}::uuid[])`,
    );
    for (const r of rows) {
      const emails = r.emails ?? [];
      persons.set(r.id, {
        title: `${r.first_name} ${r.last_name}`.trim(),
        subtitle: emails[0] ?? r.phone ?? r.title ?? null,
        name: [...words(r.first_name), ...words(r.last_name)],
        email: emails.flatMap(emailWords),
      });
    }
  }
  if (companyIds.length) {
    const rows = await rowsOf<{ id: string; name: string; domain: string | null; city: string | null }>(
      tx,
      sql`select c.company_id::text as id, c.name, c.domain::text as domain, c.city from companies c
          where c.workspace_id = ${ws} and c.company_id = any(${pgArray(companyIds)}::uuid[])`,
    );
    for (const r of rows) {
      firms.set(r.id, {
        title: r.name,
        subtitle: r.domain ?? r.city ?? null,
        name: words(r.name),
        domain: r.domain ? fold(r.domain).split('.').flatMap(words) : [],
      });
    }
  }
  const out: (TSearchResult & { tie: number })[] = [];
  for (const c of list) {
    if (c.kind === 'person') {
      const p = persons.get(c.id);
      if (!p) continue;
      const byName = matchScore(qws, p.name);
      const byEmail = matchScore(qws, p.email);
      const field = c.field === 'phone' ? 'phone' : c.field === 'email' || byEmail > byName ? 'email' : 'name';
      out.push({
        kind: 'person',
        id: c.id,
        title: p.title,
        subtitle: p.subtitle,
        matchedField: field,
        score: c.score,
        tie: Math.max(byName, byEmail),
      });
    } else {
      const f = firms.get(c.id);
      if (!f) continue;
      const byName = matchScore(qws, f.name);
      const byDomain = matchScore(qws, f.domain);
      const field = c.field === 'domain' || byDomain > byName ? 'domain' : 'name';
      out.push({
        kind: 'company',
        id: c.id,
        title: f.title,
        subtitle: f.subtitle,
        matchedField: field,
        score: c.score,
        tie: Math.max(byName, byDomain),
      });
    }
  }
  out.sort((a, b) => b.score - a.score || b.tie - a.tie || a.title.localeCompare(b.title));
  return out.map(({ tie: _tie, ...r }) => ({ ...r, score: Math.round(Math.min(1, r.score) * 1000) / 1000 }));
}

/**
 * The global search: people (names, emails, phones) and companies (names, domains) the
 * actor can see, best first. Three kinds of match, all on btree indexes under row-level
 * security: a phone prefix, a prefix of a name, email or domain, and the typo-tolerant
 * match through the search index (see README.md). Visibility is part of every query, so a
 * record the actor cannot see is never a candidate, and never shows up by its id.
 *
 * Each request that finds something writes one access-log row (counts only, like a list
 * page); opening a result is logged as the read of that record (see README.md).
 */
/** `kinds`: the kinds of record the caller may read (the permission matrix and, for an API
 *  key, its scopes: people:read, companies:read); the others never appear. */
export async function search(
  services: Services,
  actor: Actor,
  input: SearchInput,
  kinds: ReadonlySet<'person' | 'company'> = new Set(['person', 'company']),
): Promise<TSearchResponse> {
  const raw = input.q;
  return inTenant(services, actor, async (tx) => {
    const out = new Candidates();
    const perSource = input.limit * 2;
    await phoneMatches(tx, actor, raw, perSource, out);
    await prefixMatches(tx, actor, raw, perSource, out);
    await fuzzyMatches(tx, actor, raw, perSource, out);
    const candidates = out.best(input.limit * 3).filter((c) => kinds.has(c.kind));
    const items = (await present(tx, actor, raw, candidates)).slice(0, input.limit);
    if (items.length > 0) {
      // Like a list page: one access row per request with counts, never the query text
      // (it may be a name or a phone number); opening a result is logged as a read.
      await recordAccess(
        tx,
        actor.workspaceId,
        {
          actor: actor.apiKeyId ? { kind: 'api_key', id: actor.apiKeyId } : { kind: 'user', id: actor.userId },
          action: 'search',
          via: 'search',
          details: {
            people: items.filter((i) => i.kind === 'person').length,
            companies: items.filter((i) => i.kind === 'company').length,
          },
        },
        services.clock.now(),
      );
    }
    return { items };
  });
}
