/**
 * The text rules of the search index, pure functions shared by indexing and querying (the
 * same rules on both sides, or nothing is found). Bump `SEARCH_INDEX_VERSION` when a rule
 * changes: the backfill job then rebuilds every workspace's index.
 */
export const SEARCH_INDEX_VERSION = 1;

/** Words longer than this are cut: a 200-letter "word" is noise, and keys stay small. */
const MAX_WORD = 40;

/** Lower case, accents dropped (é → e, å → a; æ and ø have no decomposition and stay). */
export function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The words of `s`: runs of letters and runs of digits ("smith42" → smith, 42). */
export function words(s: string): string[] {
  const out: string[] = [];
  for (const m of fold(s).matchAll(/\p{L}+|\p{N}+/gu)) out.push(m[0].slice(0, MAX_WORD));
  return out;
}

/**
 * The trigrams of a word the way pg_trgm makes them: padded with two spaces in front and one
 * behind ("ann" → "  a", " an", "ann", "nn "). `open` leaves the end unpadded, for the word
 * being typed (its end is not known yet).
 */
export function trigrams(word: string, open = false): string[] {
  const chars = Array.from(`  ${word}${open ? '' : ' '}`);
  const out = new Set<string>();
  // Three code points by concatenation (a search scores every word of its vocabulary: the
  // slice-and-join of each gram was the search's hottest function of ours in a profile).
  for (let i = 0; i + 3 <= chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}${chars[i + 2]}`);
  return [...out];
}

/** Jaccard similarity of two gram sets, as pg_trgm's similarity(). */
export function gramSimilarity(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(a);
  const other = new Set(b);
  let shared = 0;
  for (const g of other) if (set.has(g)) shared++;
  return shared / (set.size + other.size - shared);
}

/** Optimal string alignment distance (Levenshtein plus adjacent swaps: "jonh" → "john" is 1). */
export function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i, ...new Array<number>(y.length).fill(0)]);
  for (let j = 0; j <= y.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[x.length] as number[])[y.length] as number;
}

/** 1 for the same word, less per typo: one typo is forgiven from 4 letters, two from 7. */
function typoScore(q: string, w: string): number {
  const lq = Array.from(q).length;
  const lw = Array.from(w).length;
  const len = Math.min(lq, lw);
  // The distance is at least the difference in length: more than two typos forgive nothing.
  if (Math.abs(lq - lw) > (len >= 7 ? 2 : 1)) return 0;
  const d = editDistance(q, w);
  if (d === 0) return 1;
  if (d === 1 && len >= 3) return 0.8 - (len < 4 ? 0.2 : 0);
  if (d === 2 && len >= 7) return 0.6;
  return 0;
}

/**
 * How well the query word `q` matches the indexed word `w`, 0..1: the better of the typo
 * score and the trigram similarity. For the word being typed, `w` counts by its start.
 */
export function wordScore(q: string, w: string, typing: boolean): number {
  return scoreWith(q, trigrams(q, typing), w, typing);
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function scoreWith(q: string, qGrams: string[], w: string, typing: boolean): number {
  if (q === w) return 1;
  if (typing && w.startsWith(q)) return q.length >= 2 ? 0.9 : 0.6;
  // Words are runs of letters or of digits: a number and a word share no trigram and are
  // more than two typos apart.
  if (isDigit(q[0]) !== isDigit(w[0])) return 0;
  const gram = gramSimilarity(qGrams, trigrams(w, typing && w.length > q.length));
  let typo = typoScore(q, w);
  if (typing && w.length > q.length) typo = Math.max(typo, 0.9 * typoScore(q, w.slice(0, q.length)));
  return Math.max(typo, gram);
}

/**
 * `wordScore` for one query word, remembered per word: a search scores the same few words
 * (a last name on every row of a page, the vocabulary's neighbours) many times.
 */
export function wordScorer(q: string, typing: boolean): (w: string) => number {
  const open = trigrams(q, typing);
  const memo = new Map<string, number>();
  return (w) => {
    let s = memo.get(w);
    if (s === undefined) {
      s = scoreWith(q, open, w, typing);
      memo.set(w, s);
    }
    return s;
  };
}

/** The labels of a domain without the top level one ("mail.acme.co" → mail, acme): .com
 *  or .no would tie every record to every other. */
function domainWords(domain: string): string[] {
  const labels = fold(domain).split('.').filter(Boolean);
  return labels.slice(0, Math.max(1, labels.length - 1)).flatMap(words);
}

export function emailWords(email: string): string[] {
  const at = email.lastIndexOf('@');
  if (at < 0) return words(email);
  return [...words(email.slice(0, at)), ...domainWords(email.slice(at + 1))];
}

const unique = (list: string[]) => [...new Set(list.filter((w) => w.length > 0))];

export function personTerms(p: { firstName: string; lastName: string; emails: string[] }): string[] {
  return unique([...words(p.firstName), ...words(p.lastName), ...p.emails.flatMap(emailWords)]);
}

export function companyTerms(c: { name: string; domain: string | null }): string[] {
  return unique([...words(c.name), ...(c.domain ? domainWords(c.domain) : [])]);
}

/** A query that looks like a phone number: digits with the usual separators, 3+ digits. */
export function phoneDigits(q: string): { plus: boolean; digits: string } | null {
  const t = q.trim();
  if (!/^\+?[\d\s().-]+$/.test(t)) return null;
  const digits = t.replace(/\D/g, '');
  if (digits.length < 3) return null;
  return { plus: t.startsWith('+'), digits };
}

/**
 * The E.164 prefixes a phone query may be the start of: as typed with its country code
 * ("+47 912" or "0047 912"), or as a national number in the workspace's country ("912 34",
 * "0912 34" with a trunk 0).
 */
export function phonePrefixes(q: { plus: boolean; digits: string }, callingCode: string | null): string[] {
  const out = new Set<string>();
  if (q.plus) out.add(`+${q.digits}`);
  else if (q.digits.startsWith('00')) out.add(`+${q.digits.slice(2)}`);
  else {
    out.add(`+${q.digits}`);
    if (callingCode) {
      out.add(`+${callingCode}${q.digits}`);
      const national = q.digits.replace(/^0+/, '');
      if (national.length >= 3) out.add(`+${callingCode}${national}`);
    }
  }
  return [...out];
}
