import { customType, timestamp } from 'drizzle-orm/pg-core';

/** A timestamp with time zone, read as a JavaScript Date (microsecond precision). */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Millisecond precision: for columns a keyset cursor carries as a JavaScript date. */
export const tsMs = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** Byte-order text (COLLATE "C"): the same sort on PGlite and on any PostgreSQL locale, and
 *  range comparisons that an index serves under row-level security. */
export const ctext = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });
