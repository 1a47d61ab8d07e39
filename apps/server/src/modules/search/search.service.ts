import type { TSearchField, TSearchResponse, TSearchResult, ZSearchQuery } from '@tillit/contracts';
import { type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { rowsNamed } from '../../db/named.ts';
import { companies, people, workspaces } from '../../db/schema/index.ts';
import { recordAccess } from '../../privacy/access-log/access-log.service.ts';
import type { Services } from '../../services.ts';
import { prefixRange } from '../people/people.cursor.ts';
import { callingCode } from '../people/people.phone.ts';
import { visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { rowsOf, type SearchKind } from './search.index.ts';
import { emailWords, fold, phoneDigits, phonePrefixes, trigrams, wordScorer, words } from './search.terms.ts';

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
/** A fuzzy match scores this times the mean of its words' scores: below an exact match. */
const FUZZY = 0.95;
/** Where the fuzzy candidates come in the order of equal scores: after the prefix ones,
 *  people before companies. */
const fuzzyOrder = (kind: SearchKind) => (kind === 'person' ? 1_000_000 : 1_000_001);

type Candidate = { kind: SearchKind; id: string; score: number; field: TSearchField };

class Candidates {
  readonly map = new Map<string, Candidate>();
  add(kind: SearchKind, id: string, score: number, field: TSearchField) {
    const key = `${kind}:${id}`;
    const had = this.map.get(key);
    if (!had || had.score < score) this.map.set(key, { kind, id, score, field });
  }
  list(): Candidate[] {
    return [...this.map.values()];
  }
}

const or = (cond: SQL | undefined) => cond ?? sql`true`;

/** A word of the query; `score` is its `wordScore` against a word, remembered per search. */
type QueryWord = { word: string; typing: boolean; score: (w: string) => number };

function queryWords(raw: string): QueryWord[] {
  const list = words(raw).slice(0, MAX_QUERY_WORDS);
  const endsOpen = !/[\s.,;:@-]$/.test(raw);
  return list.map((word, i) => {
    const typing = endsOpen && i === list.length - 1;
    return { word, typing, score: wordScorer(word, typing) };
  });
}

/** How well `qws` match a list of words: the mean of each query word's best score. */
function matchScore(qws: QueryWord[], list: string[]): number {
  if (qws.length === 0 || list.length === 0) return 0;
  let sum = 0;
  for (const q of qws) {
    let best = 0;
    for (const w of list) best = Math.max(best, q.score(w));
    sum += best;
  }
  return sum / qws.length;
}

const domainLabels = (domain: string) => fold(domain).split('.').flatMap(words);

type FirstPass = { candidates: Candidates; vocabulary: string[] };

/**
 * The first round trip: every source that needs no scoring in between, as one `union all`
 * of ordered, limited index ranges.
 *
 * - Phones: the digits typed as the start of an E.164 number, as typed or as a national
 *   number of the workspace's country, on `person_phones (workspace_id, phone)`.
 * - Prefixes of the whole query on byte-ordered (COLLATE "C") btree columns, which row-level
 *   security lets PostgreSQL use: names, last names, emails, company names and domains.
 * - The vocabulary words like the query's words: those sharing their trigrams
 *   (`gram = any(...)`, read per gram and capped), and for the word being typed those it
 *   starts (a range on the word). They are scored in the application (`similarWords`).
 *
 * A record a prefix finds scores the better of its prefix score and what the fuzzy match
 * would give it by the words of the matched value (`FUZZY` × `matchScore`): the fuzzy match
 * finds that record by the same words, so its score does not depend on which of the two
 * read it first, and a page of such records can make the fuzzy reads unnecessary.
 */
async function firstPass(
  tx: Tx,
  actor: Actor,
  raw: string,
  qws: QueryWord[],
  kinds: ReadonlySet<SearchKind>,
  limit: number,
): Promise<FirstPass> {
  const ws = actor.workspaceId;
  const pv = or(visibleTo(actor, people));
  const cv = or(visibleTo(actor, companies));
  const q = raw.toLowerCase().replace(/\s+/g, ' ').trim();
  const { from, to } = prefixRange(q);
  const part = (src: string, query: SQL) =>
    sql`(select ${src}::text as src, x.id::text as id, x.key::text as key from (${query}) x)`;
  const parts: SQL[] = [];

  const digits = kinds.has('person') ? phoneDigits(raw) : null;
  let phones: string[] = [];
  if (digits) {
    const [w] = await rowsOf<{ country: string | null }>(
      tx,
      sql`select ${workspaces.country} as country from ${workspaces} where ${workspaces.workspaceId} = ${ws}`,
    );
    phones = phonePrefixes(digits, callingCode(w?.country ?? 'NO'));
    for (const prefix of phones) {
      const r = prefixRange(prefix);
      parts.push(
        part(
          'phone',
          sql`select ph.person_id as id, ph.phone as key from person_phones ph
              join people on people.workspace_id = ph.workspace_id and people.person_id = ph.person_id
              where ph.workspace_id = ${ws} and ph.phone >= ${r.from} and ph.phone < ${r.to} and people.deleted_at is null and ${pv}
              order by ph.phone limit ${limit}`,
        ),
      );
    }
  }
  if (kinds.has('person')) {
    parts.push(
      part(
        'name',
        sql`select person_id as id, sort_name as key from people
            where workspace_id = ${ws} and deleted_at is null and sort_name >= ${from} and sort_name < ${to} and ${pv}
            order by sort_name limit ${limit}`,
      ),
      part(
        'last',
        sql`select person_id as id, last_name_key as key from people
            where workspace_id = ${ws} and deleted_at is null and last_name_key >= ${from} and last_name_key < ${to} and ${pv}
            order by last_name_key limit ${limit}`,
      ),
    );
    if (!q.includes(' ')) {
      // Emails are stored in lower case (the contracts fold them) in a byte-ordered column, so
      // the typed start of an address is a range on (workspace_id, email).
      parts.push(
        part(
          'email',
          sql`select e.person_id as id, e.email as key from person_emails e
              join people on people.workspace_id = e.workspace_id and people.person_id = e.person_id
              where e.workspace_id = ${ws} and e.email >= ${from} and e.email < ${to} and people.deleted_at is null and ${pv}
              order by e.email limit ${limit}`,
        ),
      );
    }
  }
  if (kinds.has('company')) {
    parts.push(
      part(
        'company',
        sql`select company_id as id, name_key as key from companies
            where workspace_id = ${ws} and deleted_at is null and name_key >= ${from} and name_key < ${to} and ${cv}
            order by name_key limit ${limit}`,
      ),
    );
    if (!q.includes(' ')) {
      parts.push(
        part(
          'domain',
          sql`select company_id as id, domain as key from companies
              where workspace_id = ${ws} and deleted_at is null and domain >= ${from} and domain < ${to} and ${cv}
              order by domain limit ${limit}`,
        ),
      );
    }
  }
  const grams = new Set<string>();
  for (const w of qws) if (w.word.length >= 3) for (const g of trigrams(w.word, w.typing)) grams.add(g);
  if (grams.size) {
    parts.push(sql`(select 'word'::text as src, null::text as id, x.word::text as key
          from unnest(${arrayParam([...grams])}::text[]) as g(gram)
          cross join lateral (select w.word from search_words w where w.workspace_id = ${ws} and w.gram = g.gram limit ${WORDS_PER_GRAM}) x
          group by x.word order by count(*) desc limit 4000)`);
  }
  for (const w of qws) {
    if (!w.typing) continue;
    const r = prefixRange(w.word);
    parts.push(sql`(select distinct 'word'::text as src, null::text as id, word::text as key from search_words
          where workspace_id = ${ws} and word >= ${r.from} and word < ${r.to} order by 3 limit 50)`);
  }

  const out = new Candidates();
  const vocabulary: string[] = [];
  if (parts.length === 0) return { candidates: out, vocabulary };
  const rows = await rowsNamed<{ src: string; id: string | null; key: string }>(tx, sql.join(parts, sql` union all `));
  const exactOr = (value: string, exact: number, prefix: number) => (value === q ? exact : prefix);
  const fuzzyOf = (list: string[]) => FUZZY * matchScore(qws, list);
  for (const r of rows) {
    const id = r.id as string;
    if (r.src === 'word') vocabulary.push(r.key);
    else if (r.src === 'phone') out.add('person', id, phones.includes(r.key) ? 1 : 0.9, 'phone');
    else if (r.src === 'name') out.add('person', id, Math.max(exactOr(r.key, 1, 0.85), fuzzyOf(words(r.key))), 'name');
    else if (r.src === 'last') out.add('person', id, Math.max(exactOr(r.key, 0.9, 0.8), fuzzyOf(words(r.key))), 'name');
    else if (r.src === 'email')
      out.add('person', id, Math.max(exactOr(r.key, 1, 0.8), fuzzyOf(emailWords(r.key))), 'email');
    else if (r.src === 'domain')
      out.add('company', id, Math.max(exactOr(r.key, 1, 0.8), fuzzyOf(domainLabels(r.key))), 'domain');
    else out.add('company', id, Math.max(exactOr(r.key, 1, 0.85), fuzzyOf(words(r.key))), 'name');
  }
  return { candidates: out, vocabulary };
}

type WordMatch = { qi: number; term: string; score: number };

/**
 * For each query word, the words of the vocabulary (read by `firstPass`) that are like it,
 * scored (edit distance and trigram similarity), the best few kept.
 */
function similarWords(qws: QueryWord[], found: string[]): WordMatch[] {
  const known = new Set(found);
  const vocab = new Set<string>([...qws.map((q) => q.word), ...found]);
  const out: WordMatch[] = [];
  qws.forEach((q, qi) => {
    // The typed word is always tried as itself (numbers and short words are postings but not
    // vocabulary), but a word of 3+ letters the vocabulary does not have has no postings:
    // its perfect score must not push the real similar words ("pre" → per) below the margin.
    const unknown = q.word.length >= 3 && /\D/.test(q.word) && !known.has(q.word);
    const scored: { term: string; score: number }[] = [];
    for (const w of vocab) {
      const score = q.score(w);
      if (score >= MIN_WORD_SCORE) scored.push({ term: w, score });
    }
    scored.sort((a, b) => b.score - a.score || a.term.length - b.term.length);
    const floor = (scored.find((x) => !(unknown && x.term === q.word))?.score ?? 0) - WORD_SCORE_MARGIN;
    for (const s of scored.filter((x) => x.score >= floor).slice(0, WORDS_PER_QUERY_WORD)) out.push({ qi, ...s });
  });
  return out;
}

/** The most a record can score through the fuzzy match: every query word by its best term. */
function fuzzyCeiling(n: number, matches: WordMatch[]): number {
  const best = new Map<number, number>();
  for (const m of matches) best.set(m.qi, Math.max(best.get(m.qi) ?? 0, m.score));
  let sum = 0;
  for (const s of best.values()) sum += s;
  return (FUZZY * sum) / n;
}

const KINDS = {
  person: { terms: sql.raw('person_search_terms'), id: sql.raw('person_id'), table: people },
  company: { terms: sql.raw('company_search_terms'), id: sql.raw('company_id'), table: companies },
} as const;

/** `(qi, term, score)` rows of `matches` as a set-returning expression named `m`. */
function matchRows(matches: WordMatch[]): SQL {
  return sql`unnest(${arrayParam(matches.map((x) => String(x.qi)))}::int[], ${arrayParam(matches.map((x) => x.term))}::text[], ${arrayParam(matches.map((x) => String(x.score)))}::float8[]) as m(qi, term, score)`;
}

/** How many postings each term has per kind, counted up to FREQ_CAP: enough to tell a rare
 *  word from a common one without reading the common one's postings. */
async function termCounts(
  tx: Tx,
  ws: string,
  terms: string[],
  kinds: SearchKind[],
): Promise<Record<SearchKind, Map<string, number>>> {
  const count = (kind: SearchKind) =>
    sql`(select ${kind}::text as kind, m.term, (select count(*) from (select 1 from ${KINDS[kind].terms} t where t.workspace_id = ${ws} and t.term = m.term limit ${FREQ_CAP}) c)::int as n
        from unnest(${arrayParam(terms)}::text[]) as m(term))`;
  const rows = await rowsNamed<{ kind: SearchKind; term: string; n: number }>(
    tx,
    sql.join(kinds.map(count), sql` union all `),
  );
  const out = { person: new Map<string, number>(), company: new Map<string, number>() };
  for (const r of rows) out[r.kind].set(r.term, Number(r.n));
  return out;
}

/** A candidate source for `present`: rows of (kind, id, score, field, ord). `weight` turns
 *  the sum of word scores into the record's score. */
type Source = SQL;

/** One query word: a record scores its best term, so the best `limit` visible records are
 *  among the first `limit` visible postings of each term; each term's read stops there. */
function oneWordSource(actor: Actor, kind: SearchKind, matches: WordMatch[], limit: number, weight: number): Source {
  const ws = actor.workspaceId;
  const k = KINDS[kind];
  const vis = or(visibleTo(actor, k.table));
  return sql`(select ${kind}::text as kind, x.id, (${weight}::float8 * max(m.score))::float8 as score, 'name'::text as field, ${fuzzyOrder(kind)}::int as ord
        from ${matchRows(matches)}
        cross join lateral (
          select t.${k.id} as id from ${k.terms} t
          join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = t.${k.id}
          where t.workspace_id = ${ws} and t.term = m.term and ${k.table}.deleted_at is null and ${vis}
          limit ${limit}) x
        group by x.id order by 3 desc limit ${limit})`;
}

/**
 * Several query words, driven by the rarest one (fewest postings): its postings are the
 * candidates, and each other word is checked for a candidate by key on
 * `(workspace_id, term, record)`, never by reading that word's postings in full.
 *
 * First the best score there is (`s1`): every word by its best-scoring terms ("john smith" →
 * john and smith). Those records all share the highest score, so when `limit` of them are
 * visible they are the answer; reading stops at `limit`. Otherwise (`s2`, whose reads a
 * one-time filter skips when `s1` filled the page) every similar term counts: the driver's
 * postings (capped), each scored by the best term of every word it has. A record must then
 * have the rarest word (a record with only the common words would rank below those with all
 * of them, and there are not enough of those to fill the page).
 */
function severalWordsSource(
  actor: Actor,
  kind: SearchKind,
  matches: WordMatch[],
  counts: Map<string, number>,
  limit: number,
  weight: number,
): Source | null {
  const ws = actor.workspaceId;
  const k = KINDS[kind];
  const vis = or(visibleTo(actor, k.table));
  const byWord = new Map<number, WordMatch[]>();
  for (const m of matches) byWord.set(m.qi, [...(byWord.get(m.qi) ?? []), m]);
  const freq = (list: WordMatch[]) => list.reduce((sum, m) => sum + (counts.get(m.term) ?? 0), 0);
  const [driver, ...others] = [...byWord.values()].sort((a, b) => freq(a) - freq(b));
  if (!driver) return null;
  const bestOf = (list: WordMatch[]) => {
    const top = Math.max(...list.map((m) => m.score));
    return list.filter((m) => m.score === top);
  };
  // A word with one best term is `term = $1`, so its postings come in record order from the
  // primary key and two common words can be merge-joined (reading each list once, stopping at
  // the page) rather than probed posting by posting.
  const termIs = (alias: SQL, list: WordMatch[]) =>
    list.length === 1
      ? sql`${alias}.term = ${list[0]?.term}`
      : sql`${alias}.term = any(${arrayParam(list.map((m) => m.term))}::text[])`;
  const topScore = [driver, ...others].reduce((sum, list) => sum + (bestOf(list)[0]?.score ?? 0), 0);
  const rest = others.flat();
  const joins = others.map((o, i) => {
    const alias = sql.raw(`o${i}`);
    return sql`join ${k.terms} ${alias} on ${alias}.workspace_id = ${ws} and ${termIs(alias, bestOf(o))} and ${alias}.${k.id} = d.${k.id}`;
  });
  return sql`(with s1 as (
          select d.${k.id} as id from ${k.terms} d
          ${sql.join(joins, sql` `)}
          join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = d.${k.id}
          where d.workspace_id = ${ws} and ${termIs(sql.raw('d'), bestOf(driver))}
            and ${k.table}.deleted_at is null and ${vis}
          limit ${limit}),
        d as (
          select x.id as ${k.id}, max(m.score) as s from ${matchRows(driver)}
          cross join lateral (select t.${k.id} as id from ${k.terms} t where t.workspace_id = ${ws} and t.term = m.term limit ${DRIVER_POSTINGS}) x
          where (select count(distinct s1.id) from s1) < ${limit}
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
          order by score desc limit ${RANKED}),
        s2 as (
          select r.id, r.score from r
          join ${k.table} on ${k.table}.workspace_id = ${ws} and ${k.table}.${k.id} = r.id
          where ${k.table}.deleted_at is null and ${vis}
          order by r.score desc limit ${limit})
        select ${kind}::text as kind, s1.id, (${weight}::float8 * ${topScore}::float8)::float8 as score, 'name'::text as field, ${fuzzyOrder(kind)}::int as ord from s1
        union all
        select ${kind}::text, s2.id, (${weight}::float8 * s2.score)::float8, 'name'::text, ${fuzzyOrder(kind)}::int from s2)`;
}

/**
 * The fuzzy sources (records ranked by how many query words they match and how well), as
 * SQL for `present`'s round trip. Several words first need their terms' posting counts
 * (one round trip) to pick the driving word per kind.
 */
async function fuzzySources(
  tx: Tx,
  actor: Actor,
  qws: QueryWord[],
  matches: WordMatch[],
  kinds: SearchKind[],
  limit: number,
): Promise<Source[]> {
  const n = qws.length;
  const weight = FUZZY / n;
  if (n === 1) return kinds.map((kind) => oneWordSource(actor, kind, matches, limit, weight));
  const counts = await termCounts(tx, actor.workspaceId, [...new Set(matches.map((m) => m.term))], kinds);
  const out: Source[] = [];
  for (const kind of kinds) {
    // Words no record of this kind has cannot match; they add nothing to any score.
    const live = matches.filter((m) => (counts[kind].get(m.term) ?? 0) > 0);
    const words = new Set(live.map((m) => m.qi)).size;
    if (words === 0) continue;
    const source =
      words === 1
        ? oneWordSource(actor, kind, live, limit, weight)
        : severalWordsSource(actor, kind, live, counts[kind], limit, weight);
    if (source) out.push(source);
  }
  return out;
}

type Presented = {
  kind: SearchKind;
  id: string;
  score: number;
  field: TSearchField;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  emails: string[] | null;
  phone: string | null;
  company_name: string | null;
  domain: string | null;
  city: string | null;
};

/**
 * One round trip: the candidates found so far and those of the fuzzy sources, the best
 * score per record, the best `n` records with what the result shows of them.
 */
async function present(tx: Tx, ws: string, found: Candidate[], sources: Source[], n: number): Promise<Presented[]> {
  const parts: SQL[] = [];
  if (found.length) {
    parts.push(sql`(select u.kind, u.id, u.score, u.field, u.ord::int as ord from unnest(
        ${arrayParam(found.map((c) => c.kind))}::text[], ${arrayParam(found.map((c) => c.id))}::uuid[],
        ${arrayParam(found.map((c) => String(c.score)))}::float8[], ${arrayParam(found.map((c) => c.field))}::text[])
        with ordinality as u(kind, id, score, field, ord))`);
  }
  parts.push(...sources);
  if (parts.length === 0) return [];
  return rowsNamed<Presented>(
    tx,
    sql`with c as (${sql.join(parts, sql` union all `)}),
        b as (select distinct on (c.kind, c.id) c.kind, c.id, c.score, c.field, c.ord from c order by c.kind, c.id, c.score desc, c.ord),
        t as (select * from b order by b.score desc, b.ord, b.id limit ${n})
        select t.kind, t.id::text as id, t.score::float8 as score, t.field, p.first_name, p.last_name, p.title,
          case when t.kind = 'person' then array(select e.email::text from person_emails e
            where e.workspace_id = ${ws} and e.person_id = t.id order by e.is_primary desc, e.position) end as emails,
          case when t.kind = 'person' then (select ph.phone::text from person_phones ph
            where ph.workspace_id = ${ws} and ph.person_id = t.id order by ph.is_primary desc, ph.position limit 1) end as phone,
          co.name as company_name, co.domain::text as domain, co.city
        from t
        left join people p on t.kind = 'person' and p.workspace_id = ${ws} and p.person_id = t.id
        left join companies co on t.kind = 'company' and co.workspace_id = ${ws} and co.company_id = t.id
        order by t.score desc, t.ord, t.id`,
  );
}

/** The results in their order: score, then how well the words match the record, then title. */
function rank(qws: QueryWord[], rows: Presented[]): TSearchResult[] {
  const out: (TSearchResult & { tie: number })[] = [];
  for (const r of rows) {
    if (r.kind === 'person') {
      if (r.first_name === null || r.last_name === null) continue;
      const emails = r.emails ?? [];
      const byName = matchScore(qws, [...words(r.first_name), ...words(r.last_name)]);
      const byEmail = matchScore(qws, emails.flatMap(emailWords));
      const field = r.field === 'phone' ? 'phone' : r.field === 'email' || byEmail > byName ? 'email' : 'name';
      out.push({
        kind: 'person',
        id: r.id,
        title: `${r.first_name} ${r.last_name}`.trim(),
        subtitle: emails[0] ?? r.phone ?? r.title ?? null,
        matchedField: field,
        score: Number(r.score),
        tie: Math.max(byName, byEmail),
      });
    } else {
      if (r.company_name === null) continue;
      const byName = matchScore(qws, words(r.company_name));
      const byDomain = matchScore(qws, r.domain ? domainLabels(r.domain) : []);
      const field = r.field === 'domain' || byDomain > byName ? 'domain' : 'name';
      out.push({
        kind: 'company',
        id: r.id,
        title: r.company_name,
        subtitle: r.domain ?? r.city ?? null,
        matchedField: field,
        score: Number(r.score),
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
 * Two round trips in the common case: the prefixes and the vocabulary (`firstPass`), then
 * the fuzzy match with the presentation of the best records (`present`); several words add
 * one for their terms' posting counts. The fuzzy reads are left out when the prefixes found
 * a page of records scoring at least what the fuzzy match could give any record.
 *
 * Each request that finds something writes one access-log row (counts only, like a list
 * page); opening a result is logged as the read of that record (see README.md).
 *
 * `kinds`: the kinds of record the caller may read (the permission matrix and, for an API
 * key, its scopes: people:read, companies:read), or how to find them out inside the search's
 * transaction; the others are never read.
 */
export async function search(
  services: Services,
  actor: Actor,
  input: SearchInput,
  kindsOf: ReadonlySet<SearchKind> | ((tx: Tx) => Promise<ReadonlySet<SearchKind>>) = new Set<SearchKind>([
    'person',
    'company',
  ]),
): Promise<TSearchResponse> {
  const raw = input.q;
  // Each round trip runs as a named statement (`rowsNamed`: a few text shapes), parsed once
  // per connection and planned as PostgreSQL sees fit: it keeps custom plans for the first
  // pass, and forcing generic ones cost 9 ms instead of 0.3 at full scale (decision 0008).
  return inTenant(services, actor, async (tx) => {
    const kinds = typeof kindsOf === 'function' ? await kindsOf(tx) : kindsOf;
    const allowed = (['person', 'company'] as const).filter((k) => kinds.has(k));
    const perSource = input.limit * 2;
    const qws = queryWords(raw);
    const first = await firstPass(tx, actor, raw, qws, kinds, perSource);
    const found = first.candidates.list();
    let sources: Source[] = [];
    if (qws.length > 0 && qws.some((q) => q.word.length >= 2)) {
      const matches = similarWords(qws, first.vocabulary);
      const ceiling = fuzzyCeiling(qws.length, matches);
      // The fuzzy match cannot rank any record above `ceiling`: when the prefixes found a
      // page at or above it, reading the postings would change nothing but ties.
      const enough = found.filter((c) => c.score >= ceiling - 1e-9).length >= input.limit;
      if (matches.length > 0 && !enough) sources = await fuzzySources(tx, actor, qws, matches, allowed, perSource);
    }
    const rows = await present(tx, actor.workspaceId, found, sources, input.limit * 3);
    const items = rank(qws, rows).slice(0, input.limit);
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
