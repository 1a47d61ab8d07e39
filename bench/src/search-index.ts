import { companyTerms, personTerms, trigrams } from '../../apps/server/src/modules/search/search.terms.ts';
import { type CopyTarget, csvRow } from './copy-target.ts';

const PAGE = 50_000;
/** Rows per COPY chunk, as the generator's: a page of people gives about 250,000 postings, and
 *  the PGlite target can only checkpoint between chunks (copy-target.ts). */
const CHUNK_ROWS = 10_000;

/** Collects CSV rows into chunks of `CHUNK_ROWS`. */
function collectChunks(): { add(row: string): void; done(): string[] } {
  const chunks: string[] = [];
  let current = '';
  let rows = 0;
  return {
    add(row) {
      current += row;
      if (++rows === CHUNK_ROWS) {
        chunks.push(current);
        current = '';
        rows = 0;
      }
    },
    done() {
      if (rows > 0) chunks.push(current);
      return chunks;
    },
  };
}

/**
 * The global search's index for a generated workspace, by the application's own rules
 * (`personTerms`, `companyTerms`, `trigrams`), written with COPY in the generator's
 * transaction: per-record postings and the vocabulary with its trigrams. Without it the
 * search workload would measure an empty index (the server's `search.backfill` job would
 * take many minutes to catch up at a million people).
 */
export async function writeSearchIndex(
  target: CopyTarget,
  workspaceId: string,
): Promise<{ postings: number; words: number }> {
  const vocabulary = new Set<string>();
  const note = (term: string) => {
    if (/\D/.test(term)) vocabulary.add(term);
  };
  let postings = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await target.query<{ id: string; first_name: string; last_name: string; emails: string[] | null }>(
      `select p.person_id::text as id, p.first_name, p.last_name,
              array(select e.email::text from person_emails e
                     where e.workspace_id = p.workspace_id and e.person_id = p.person_id) as emails
         from people p where p.workspace_id = $1 and p.deleted_at is null and p.person_id > $2
        order by p.person_id limit ${PAGE}`,
      [workspaceId, after],
    );
    if (rows.length === 0) break;
    const chunks = collectChunks();
    for (const r of rows) {
      for (const term of personTerms({ firstName: r.first_name, lastName: r.last_name, emails: r.emails ?? [] })) {
        chunks.add(csvRow([workspaceId, term, r.id]));
        postings += 1;
        note(term);
      }
    }
    await target.copy('person_search_terms', ['workspace_id', 'term', 'person_id'], chunks.done());
    after = rows[rows.length - 1]?.id as string;
  }
  after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await target.query<{ id: string; name: string; domain: string | null }>(
      `select company_id::text as id, name, domain::text as domain from companies
        where workspace_id = $1 and deleted_at is null and company_id > $2 order by company_id limit ${PAGE}`,
      [workspaceId, after],
    );
    if (rows.length === 0) break;
    const chunks = collectChunks();
    for (const c of rows) {
      for (const term of companyTerms(c)) {
        chunks.add(csvRow([workspaceId, term, c.id]));
        postings += 1;
        note(term);
      }
    }
    await target.copy('company_search_terms', ['workspace_id', 'term', 'company_id'], chunks.done());
    after = rows[rows.length - 1]?.id as string;
  }
  const words = [...vocabulary];
  for (let at = 0; at < words.length; at += PAGE) {
    const chunks = collectChunks();
    for (const w of words.slice(at, at + PAGE)) for (const g of trigrams(w)) chunks.add(csvRow([workspaceId, w, g]));
    await target.copy('search_words', ['workspace_id', 'word', 'gram'], chunks.done());
  }
  return { postings, words: words.length };
}
