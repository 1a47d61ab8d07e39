// Zod schemas of the global search (issue 3): GET /api/v1/search. Shared by server and web.
import { z } from 'zod';

export const SEARCH_KINDS = ['person', 'company'] as const;
export const ZSearchKind = z.enum(SEARCH_KINDS);
export type TSearchKind = z.infer<typeof ZSearchKind>;

/** Which field of the record matched the query best. */
export const SEARCH_FIELDS = ['name', 'email', 'phone', 'domain'] as const;
export const ZSearchField = z.enum(SEARCH_FIELDS);
export type TSearchField = z.infer<typeof ZSearchField>;

export const SEARCH_QUERY_MAX = 100;

export const ZSearchQuery = z
  .object({
    q: z
      .string({ error: 'is required' })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(SEARCH_QUERY_MAX, { error: `must be at most ${SEARCH_QUERY_MAX} characters` }),
    limit: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(25, { error: 'must be at most 25' })
      .default(10),
  })
  .strict();

export const ZSearchResult = z.object({
  kind: ZSearchKind,
  id: z.uuid(),
  /** The person's name or the company's name. */
  title: z.string(),
  /** A person's primary email (else phone, else job title); a company's domain (else city). */
  subtitle: z.string().nullable(),
  matchedField: ZSearchField,
  /** 0..1, higher is better; results come best first. */
  score: z.number(),
});
export type TSearchResult = z.infer<typeof ZSearchResult>;

/** Best first, at most `limit`, only live records the caller can see. */
export const ZSearchResponse = z.object({ items: z.array(ZSearchResult) });
export type TSearchResponse = z.infer<typeof ZSearchResponse>;
