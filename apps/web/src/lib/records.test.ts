import { describe, expect, it } from 'vitest';
import { addressInput, compactIndex, normaliseTags } from './records.ts';

describe('normaliseTags', () => {
  it('splits pasted text on commas, trims, and drops empties and repeats (case-insensitive)', () => {
    expect(normaliseTags(['a, b,', ' c ', 'A', ''])).toEqual(['a', 'b', 'c']);
  });
});

describe('addressInput', () => {
  it('is null when every part is empty, else sends each empty part as null', () => {
    expect(addressInput({ street: ' ', postalCode: '', city: '', state: '', country: '' })).toBeNull();
    expect(addressInput({ street: '', postalCode: '5003', city: 'Bergen', state: '', country: 'NO' })).toEqual({
      street: null,
      postalCode: '5003',
      city: 'Bergen',
      state: null,
      country: 'NO',
    });
  });
});

describe('compactIndex', () => {
  it('gives each kept row its position among the kept ones, so server errors land on the right row', () => {
    expect(compactIndex([true, false, true, true])).toEqual([0, undefined, 1, 2]);
  });
});
