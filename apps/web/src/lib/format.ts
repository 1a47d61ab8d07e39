import { COUNTRY_CODE_LIST } from '@tillit/contracts';
import { i18n } from './i18n.ts';

/** Date and time in the reader's language. */
export function formatDateTime(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' }).format(d);
}

// Names come from the browser in the reader's language.
export function countryOptions(language: string): { value: string; label: string }[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([language], { type: 'region' });
  } catch {
    names = null;
  }
  return COUNTRY_CODE_LIST.map((code) => ({ value: code, label: names?.of(code) ?? code })).sort((a, b) =>
    a.label.localeCompare(b.label, language),
  );
}

export const REGIONS = ['eu', 'us', 'uk', 'ch', 'no', 'ca', 'au'] as const;
export type Region = (typeof REGIONS)[number];

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Suggests a data region from a country. */
export function regionForCountry(country: string): Region {
  if (country === 'US') return 'us';
  if (country === 'GB') return 'uk';
  if (country === 'CH') return 'ch';
  if (country === 'NO') return 'no';
  if (country === 'CA') return 'ca';
  if (country === 'AU') return 'au';
  return 'eu';
}
