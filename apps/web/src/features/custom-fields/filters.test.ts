import { describe, expect, it } from 'vitest';
import { customFilterField, displayValue, formatFilters, parseFilters, toFieldValue } from './filters.ts';

describe('table view filters', () => {
  it('round-trips filters through the address, keeping a value that holds colons', () => {
    const filters = parseFilters(['cf.site:prefix:https://x', 'city:eq:Oslo', 'cf.note:empty:', 'broken']);
    expect(filters).toEqual([
      { field: 'cf.site', op: 'prefix', value: 'https://x' },
      { field: 'city', op: 'eq', value: 'Oslo' },
      { field: 'cf.note', op: 'empty', value: '' },
    ]);
    expect(formatFilters(filters)).toEqual(['cf.site:prefix:https://x', 'city:eq:Oslo', 'cf.note:empty:']);
    expect(parseFilters(['x:nope:1'])).toEqual([]);
  });

  it('turns what an editor holds into the value the API takes for the type', () => {
    expect(toFieldValue({ type: 'number' }, '3,5')).toBe(3.5);
    expect(toFieldValue({ type: 'number' }, '')).toBeNull();
    expect(toFieldValue({ type: 'number' }, 'many')).toBe('many');
    expect(toFieldValue({ type: 'boolean' }, 'false')).toBe(false);
    expect(toFieldValue({ type: 'boolean' }, '')).toBeNull();
    expect(toFieldValue({ type: 'multi_select' }, ['a'])).toEqual(['a']);
    expect(toFieldValue({ type: 'text' }, '  ')).toBeNull();
    expect(toFieldValue({ type: 'date' }, '2026-01-02')).toBe('2026-01-02');
  });

  it('describes custom fields for the filter builder and shows values in cells', () => {
    const f = customFilterField({
      id: '0190a4b2-0000-7000-8000-000000000001',
      object: 'person',
      key: 'tier',
      label: 'Tier',
      type: 'select',
      options: ['gold'],
      position: 0,
      personal: false,
      category: null,
      createdAt: '',
      updatedAt: '',
    });
    expect(f).toEqual({ id: 'cf.tier', label: 'Tier', kind: 'select', options: [{ value: 'gold', label: 'gold' }] });
    expect(displayValue(['en', 'nb'], 'Yes', 'No')).toBe('en, nb');
    expect(displayValue(false, 'Yes', 'No')).toBe('No');
    expect(displayValue(undefined, 'Yes', 'No')).toBe('');
  });
});
