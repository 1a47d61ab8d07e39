// Zod schemas of notes (issue 3, P-CRM-9): sanitised rich text about people, companies and
// deals. Shared by server and web. Every input object refuses unknown keys (422 naming the key).
import { z } from 'zod';
import { ZRecordVisibility } from './people.ts';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();

/** The most records one note or interaction may be linked to, per kind. */
export const MAX_NOTE_LINKS = 20;

export const ZNoteLinkIds = (what: string) =>
  z
    .array(ZId, { error: `must be a list of ${what} ids` })
    .max(MAX_NOTE_LINKS, { error: `must have at most ${MAX_NOTE_LINKS} ${what}` })
    .transform((l) => [...new Set(l)]);

/** The body as HTML. The server keeps only p, br, strong, em, u, s, ul, ol, li, blockquote,
 *  code, pre, h2–h4 and a (href http, https or mailto only; rel="noopener nofollow"); every
 *  other tag and attribute is dropped (script, style and the like with their content). */
export const ZNoteBody = z
  .string({ error: 'must be a string' })
  .max(100_000, { error: 'must be at most 100000 characters' });

export const ZNote = z.object({
  id: ZId,
  /** Sanitised HTML. */
  bodyHtml: z.string(),
  /** The same body as plain text. */
  bodyText: z.string(),
  /** null once the author's account is deleted. */
  authorId: ZId.nullable(),
  /** Only the records the caller can see. */
  personIds: z.array(ZId),
  companyIds: z.array(ZId),
  dealIds: z.array(ZId),
  visibility: ZRecordVisibility,
  teamId: ZId.nullable(),
  createdAt: ZTimestamp,
  updatedAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TNote = z.infer<typeof ZNote>;

/** Member or higher. At least one person, company or deal; each must be visible to the caller (else 404). */
export const ZCreateNoteBody = z
  .object({
    bodyHtml: ZNoteBody,
    personIds: ZNoteLinkIds('person').default([]),
    companyIds: ZNoteLinkIds('company').default([]),
    dealIds: ZNoteLinkIds('deal').default([]),
    /** Defaults to 'workspace'. */
    visibility: ZRecordVisibility.optional(),
    /** Required when visibility is 'team'. */
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TCreateNoteBody = z.input<typeof ZCreateNoteBody>;

/** Every field optional; a list of ids replaces that kind of link (links to records the
 *  caller cannot see are kept). */
export const ZUpdateNoteBody = z
  .object({
    bodyHtml: ZNoteBody.optional(),
    personIds: ZNoteLinkIds('person').optional(),
    companyIds: ZNoteLinkIds('company').optional(),
    dealIds: ZNoteLinkIds('deal').optional(),
    visibility: ZRecordVisibility.optional(),
    teamId: ZId.nullable().optional(),
  })
  .strict();
export type TUpdateNoteBody = z.input<typeof ZUpdateNoteBody>;

export const ZNoteParams = z.object({ id: ZId }).strict();
