// A consent's lifetime, without the database: the benchmark generator
// (bench/src/generate.ts) dates the expiry of generated consents with it.

/** When a consent given at `from` lapses: `months` calendar months later (null: never). */
export function consentExpiry(months: number | null, from: Date): Date | null {
  if (!months) return null;
  const d = new Date(from);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  // 31 January + 1 month is the last day of February, not 3 March.
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}
