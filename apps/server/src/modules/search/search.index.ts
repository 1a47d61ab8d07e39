import { type SQL, sql } from 'drizzle-orm';
import { arrayParam } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { companyTerms, personTerms, trigrams } from './search.terms.ts';

export type SearchKind = 'person' | 'company';

export async function rowsOf<R>(tx: Tx, query: SQL): Promise<R[]> {
  const res = await tx.execute(query);
  return (res as unknown as { rows: R[] }).rows;
}

const TABLES = {
  person: { terms: sql.raw('person_search_terms'), id: sql.raw('person_id') },
  company: { terms: sql.raw('company_search_terms'), id: sql.raw('company_id') },
} as const;

/** The terms each record should have now: none for a record that is gone or in the trash. */
async function currentTerms(tx: Tx, ws: string, kind: SearchKind, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const idArray = arrayParam(ids);
  if (kind === 'person') {
    const rows = await rowsOf<{ id: string; first_name: string; last_name: string; emails: string[] | null }>(
      tx,
      sql`select p.person_id::text as id, p.first_name, p.last_name,
            array(select e.email::text from person_emails e where e.workspace_id = ${ws} and e.person_id = p.person_id) as emails
          from people p where p.workspace_id = ${ws} and p.person_id = any(${idArray}::uuid[]) and p.deleted_at is null`,
    );
    for (const r of rows) {
      out.set(r.id, personTerms({ firstName: r.first_name, lastName: r.last_name, emails: r.emails ?? [] }));
    }
  } else {
    const rows = await rowsOf<{ id: string; name: string; domain: string | null }>(
      tx,
      sql`select c.company_id::text as id, c.name, c.domain::text as domain from companies c
          where c.workspace_id = ${ws} and c.company_id = any(${idArray}::uuid[]) and c.deleted_at is null`,
    );
    for (const r of rows) out.set(r.id, companyTerms({ name: r.name, domain: r.domain }));
  }
  return out;
}

export type ReindexResult = { added: number; removed: number };

/**
 * Brings the search index of `ids` up to date with their records, in the caller's
 * transaction (so the index can never disagree with a committed write). Set-based: one
 * read of the records, one of their postings, then one delete and one insert of the
 * difference, whatever the number of ids. A record that is missing or in the trash loses
 * its postings. Words no record uses any more leave the vocabulary too: the vocabulary is
 * personal data (parts of names), and must not outlive the records it came from.
 *
 * For imports and other bulk writes: call it once per batch with the batch's ids.
 */
export async function reindexRecords(
  tx: Tx,
  workspaceId: string,
  kind: SearchKind,
  ids: string[],
): Promise<ReindexResult> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { added: 0, removed: 0 };
  const ws = workspaceId;
  const t = TABLES[kind];
  const want = await currentTerms(tx, ws, kind, unique);
  const have = await rowsOf<{ id: string; term: string }>(
    tx,
    sql`select ${t.id}::text as id, term::text as term from ${t.terms}
        where workspace_id = ${ws} and ${t.id} = any(${arrayParam(unique)}::uuid[])`,
  );
  const haveSet = new Set(have.map((h) => `${h.id}\u0000${h.term}`));
  const addIds: string[] = [];
  const addTerms: string[] = [];
  for (const [id, terms] of want) {
    for (const term of terms) {
      if (!haveSet.has(`${id}\u0000${term}`)) {
        addIds.push(id);
        addTerms.push(term);
      }
    }
  }
  const delIds: string[] = [];
  const delTerms: string[] = [];
  for (const h of have) {
    if (!want.get(h.id)?.includes(h.term)) {
      delIds.push(h.id);
      delTerms.push(h.term);
    }
  }
  if (delIds.length) {
    await tx.execute(sql`delete from ${t.terms} where workspace_id = ${ws} and (${t.id}, term) in (
      select * from unnest(${arrayParam(delIds)}::uuid[], ${arrayParam(delTerms)}::text[]))`);
  }
  await addPostings(tx, ws, kind, addIds, addTerms);
  if (delTerms.length) await forgetUnusedWords(tx, ws, [...new Set(delTerms)]);
  return { added: addIds.length, removed: delIds.length };
}

/** Inserts (id, term) postings and the new words' trigrams into the vocabulary. */
async function addPostings(tx: Tx, ws: string, kind: SearchKind, addIds: string[], addTerms: string[]): Promise<void> {
  if (!addIds.length) return;
  const t = TABLES[kind];
  await tx.execute(sql`insert into ${t.terms} (workspace_id, term, ${t.id})
    select ${ws}::uuid, x.term, x.id from unnest(${arrayParam(addTerms)}::text[], ${arrayParam(addIds)}::uuid[]) as x(term, id)
    on conflict do nothing`);
  // Each new word's trigrams; a word already known conflicts and is left alone. Numbers
  // stay out: a typo in a number is not guessed, and the digits of a million email
  // addresses would swell the vocabulary (they are still found exactly).
  const newWords = [...new Set(addTerms)].filter((w) => /\D/.test(w));
  const vw: string[] = [];
  const vg: string[] = [];
  for (const w of newWords) {
    for (const g of trigrams(w)) {
      vw.push(w);
      vg.push(g);
    }
  }
  if (!vw.length) return;
  await tx.execute(sql`insert into search_words (workspace_id, word, gram)
    select ${ws}::uuid, x.word, x.gram from unnest(${arrayParam(vw)}::text[], ${arrayParam(vg)}::text[]) as x(word, gram)
    on conflict do nothing`);
}

/** Removes from the vocabulary those of `candidates` that no posting uses any more. */
export async function forgetUnusedWords(tx: Tx, ws: string, candidates: string[]): Promise<void> {
  if (candidates.length === 0) return;
  await tx.execute(sql`delete from search_words w where w.workspace_id = ${ws}
    and w.word = any(${arrayParam(candidates)}::text[])
    and not exists (select 1 from person_search_terms p where p.workspace_id = ${ws} and p.term = w.word)
    and not exists (select 1 from company_search_terms c where c.workspace_id = ${ws} and c.term = w.word)`);
}
