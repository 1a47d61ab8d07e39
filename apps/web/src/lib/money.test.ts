import { describe, expect, it } from 'vitest';
import { amountText, formatMoney, formatSums, parseAmount } from './money.ts';

describe('parseAmount', () => {
  it('reads the usual ways of typing an amount into minor units', () => {
    expect(parseAmount('12500', 'NOK', 'nb')).toBe(1_250_000);
    expect(parseAmount('12 500,50', 'NOK', 'nb')).toBe(1_250_050);
    expect(parseAmount('12.500,50', 'NOK', 'nb')).toBe(1_250_050);
    expect(parseAmount('12,500.50', 'USD', 'en')).toBe(1_250_050);
    expect(parseAmount('12500.5', 'NOK', 'nb')).toBe(1_250_050);
    expect(parseAmount('1,5', 'EUR', 'nb')).toBe(150);
    expect(parseAmount('1 000 000', 'NOK', 'nb')).toBe(100_000_000);
  });
  it('takes a lone separator before three digits as grouping unless it is the decimal one', () => {
    expect(parseAmount('1,500', 'USD', 'en')).toBe(150_000);
    expect(parseAmount('1,500', 'NOK', 'nb')).toBe(150);
    expect(parseAmount('1.500', 'NOK', 'nb')).toBe(150_000);
  });
  it('knows currencies without minor units', () => {
    expect(parseAmount('1500', 'JPY', 'en')).toBe(1500);
  });
  it('answers null for nothing and undefined for what is not an amount', () => {
    expect(parseAmount('  ', 'NOK', 'nb')).toBeNull();
    expect(parseAmount('abc', 'NOK', 'nb')).toBeUndefined();
    expect(parseAmount('-5', 'NOK', 'nb')).toBeUndefined();
    expect(parseAmount(',', 'NOK', 'nb')).toBeUndefined();
  });
});

describe('formatMoney and formatSums', () => {
  it('formats minor units in the language, and sums per currency', () => {
    expect(formatMoney(1_250_050, 'USD', 'en')).toBe('$12,500.50');
    expect(formatMoney(null, 'USD', 'en')).toBe('—');
    expect(formatSums([], 'en')).toBe('—');
    expect(
      formatSums(
        [
          { amount: 100, currency: 'USD' },
          { amount: 250, currency: 'EUR' },
          { amount: 200, currency: 'USD' },
        ],
        'en',
      ),
    ).toBe('$3.00 + €2.50');
    expect(amountText(1_250_050, 'NOK')).toBe('12500.50');
  });
});
