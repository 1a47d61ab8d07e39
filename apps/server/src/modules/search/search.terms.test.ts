import { describe, expect, it } from 'vitest';
import { editDistance, emailWords, gramSimilarity, trigrams, wordScore, words } from './search.terms.ts';

describe('search text rules', () => {
  it('makes the trigrams of a word as pg_trgm does, the typed word without its end padding', () => {
    expect(trigrams('ann')).toEqual(['  a', ' an', 'ann', 'nn ']);
    expect(trigrams('ann', true)).toEqual(['  a', ' an', 'ann']);
    // Repeated grams count once; letters outside the basic plane are one letter each.
    expect(trigrams('aaaa')).toEqual(['  a', ' aa', 'aaa', 'aa ']);
    expect(trigrams('ø𝒜b')).toEqual(['  ø', ' ø𝒜', 'ø𝒜b', '𝒜b ']);
  });

  it('scores gram sets by their overlap (Jaccard), 0 for an empty one', () => {
    expect(gramSimilarity(trigrams('john'), trigrams('john'))).toBe(1);
    expect(gramSimilarity(trigrams('john'), [])).toBe(0);
    // john: "  j", " jo", "joh", "ohn", "hn "; jon: "  j", " jo", "jon", "on ": 2 shared of 7.
    expect(gramSimilarity(trigrams('john'), trigrams('jon'))).toBeCloseTo(2 / 7, 10);
    expect(gramSimilarity(['ab', 'ab', 'cd'], ['ab'])).toBe(0.5);
  });

  it('forgives typos by edit distance with adjacent swaps', () => {
    expect(editDistance('jonh', 'john')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(wordScore('thorsen', 'thorsen', false)).toBe(1);
    expect(wordScore('tohrsen', 'thorsen', false)).toBe(0.8);
    expect(wordScore('tho', 'thorsen', true)).toBe(0.9);
    expect(wordScore('42', 'thorsen', false)).toBe(0);
  });

  it('splits names and addresses into folded words', () => {
    expect(words('Åse Ødegård-Smith42')).toEqual(['ase', 'ødegard', 'smith', '42']);
    expect(emailWords('ada.thorsen.749@mail49.example')).toEqual(['ada', 'thorsen', '749', 'mail', '49']);
  });
});
