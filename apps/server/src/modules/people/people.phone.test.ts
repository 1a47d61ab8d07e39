import { describe, expect, it } from 'vitest';
import { normalisePhone } from './people.phone.ts';

describe('normalisePhone', () => {
  it.each([
    ['+47 22 33 44 55', 'NO', '+4722334455'],
    ['0047 22334455', 'NO', '+4722334455'],
    ['22 33 44 55', 'NO', '+4722334455'],
    ['+44 (0)20 7946 0958', 'NO', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['(212) 555-0123', 'US', '+12125550123'],
    ['1 212 555 0123', 'US', '+12125550123'],
    ['011 47 22334455', 'US', '+4722334455'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['030 1234567', 'DE', '+49301234567'],
    ['06 1234 5678', 'IT', '+390612345678'],
  ])('%s in %s is %s', (input, country, e164) => {
    expect(normalisePhone(input, country)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['12', 'NO'],
    ['+0 123 456 789', 'NO'],
    ['+1 212 555', 'NO'],
    ['call me', 'NO'],
    ['+47 1234567890123456', 'NO'],
  ])('refuses %s', (input, country) => {
    expect(normalisePhone(input, country).ok).toBe(false);
  });
});
