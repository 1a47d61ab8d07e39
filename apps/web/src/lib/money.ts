// Money in minor units (øre, cents), as the API keeps it, shown and typed in the reader's language.

/** Digits after the decimal point for a currency (NOK 2, JPY 0). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** 1250050 NOK → "12 500,50 kr" (nb) or "NOK 12,500.50" (en). */
export function formatMoney(minor: number | null | undefined, currency: string, language: string): string {
  if (minor === null || minor === undefined) return '—';
  const major = minor / 10 ** currencyDigits(currency);
  try {
    return new Intl.NumberFormat(language, { style: 'currency', currency }).format(major);
  } catch {
    return `${major} ${currency}`;
  }
}

/** Sums per currency, in order of first appearance: "7 500,00 kr + 7 250,00 €"; "—" for none. */
export function formatSums(deals: { amount: number | null; currency: string }[], language: string): string {
  const sums = new Map<string, number>();
  for (const d of deals) if (d.amount !== null) sums.set(d.currency, (sums.get(d.currency) ?? 0) + d.amount);
  if (sums.size === 0) return '—';
  return [...sums].map(([cur, sum]) => formatMoney(sum, cur, language)).join(' + ');
}

function decimalSeparator(language: string): string {
  try {
    return new Intl.NumberFormat(language).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
  } catch {
    return '.';
  }
}

/** What the reader typed as minor units: null when empty, undefined when it is not an amount.
 *  Accepts "12500", "12 500,50", "12.500,50", "12,500.50" and "12500.5"; a lone separator
 *  followed by exactly three digits is a thousands separator unless it is the language's decimal one. */
export function parseAmount(text: string, currency: string, language: string): number | null | undefined {
  const cleaned = text.replace(/[\s\u00a0\u202f']/g, '');
  if (!cleaned) return null;
  if (!/^[\d.,]+$/.test(cleaned) || !/\d/.test(cleaned)) return undefined;
  const last = Math.max(cleaned.lastIndexOf(','), cleaned.lastIndexOf('.'));
  let whole = cleaned;
  let fraction = '';
  if (last >= 0) {
    const sep = cleaned.charAt(last);
    const after = cleaned.slice(last + 1);
    const repeated = cleaned.indexOf(sep) !== last;
    const grouping =
      repeated || (after.length === 3 && sep !== decimalSeparator(language) && !cleaned.slice(0, last).match(/[.,]/));
    if (grouping) {
      whole = cleaned;
    } else {
      whole = cleaned.slice(0, last);
      fraction = after;
    }
  }
  const digitsOnly = whole.replace(/[.,]/g, '');
  if (!/^\d*$/.test(digitsOnly) || !/^\d*$/.test(fraction) || (!digitsOnly && !fraction)) return undefined;
  const value = Number(`${digitsOnly || '0'}.${fraction || '0'}`);
  if (!Number.isFinite(value)) return undefined;
  return Math.round(value * 10 ** currencyDigits(currency));
}

/** Minor units as the text an amount input starts with: 1250050 NOK → "12500.50". */
export function amountText(minor: number | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return '';
  const digits = currencyDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}
