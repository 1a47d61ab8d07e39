/**
 * The age of digital consent (GDPR art. 8) by country: the youngest age at which a person
 * may sign up without a parent's consent. Countries not listed use the service's default
 * of 13, which is also the floor of COPPA in the United States (P-ACC-6).
 */
export const DEFAULT_MINIMUM_AGE = 13;

const MINIMUM_AGE_BY_COUNTRY: Readonly<Record<string, number>> = {
  // 16
  DE: 16,
  NL: 16,
  IE: 16,
  LU: 16,
  HU: 16,
  SK: 16,
  RO: 16,
  HR: 16,
  PL: 16,
  LI: 16,
  // 15
  FR: 15,
  CZ: 15,
  GR: 15,
  SI: 15,
  // 14
  AT: 14,
  IT: 14,
  ES: 14,
  BG: 14,
  CY: 14,
  LT: 14,
};

/** The minimum age to sign up into a workspace of `country` (ISO 3166 alpha-2). */
export function minimumAgeFor(country: string | null | undefined): number {
  if (!country) return DEFAULT_MINIMUM_AGE;
  return MINIMUM_AGE_BY_COUNTRY[country.toUpperCase()] ?? DEFAULT_MINIMUM_AGE;
}

/** Whole years between a birth date (YYYY-MM-DD) and `today`, in UTC; null if the date is
 *  not a real calendar date. */
export function ageOn(dateOfBirth: string, today: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  let age = today.getUTCFullYear() - y;
  const beforeBirthday = today.getUTCMonth() < mo - 1 || (today.getUTCMonth() === mo - 1 && today.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}
