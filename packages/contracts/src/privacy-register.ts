import { z } from 'zod';
import { ZPurpose } from './privacy-purposes.ts';

/** GDPR art. 30 register of processing (P-LB-3), built from the data map, the purposes,
 *  retention and sub-processors. */
export const ZRegisterTable = z.object({
  name: z.string(),
  description: z.string(),
  controller: z.enum(['workspace', 'service']),
  categories: z.array(z.string()),
});

export const ZSubProcessor = z.object({
  name: z.string(),
  purpose: z.string(),
  dataCategories: z.array(z.string()),
  region: z.string(),
  safeguard: z.string(),
  optional: z.boolean(),
});

export const ZRegisterEntry = z.object({
  purpose: ZPurpose,
  /** The categories the purpose may use, with their description. */
  categories: z.array(z.object({ key: z.string(), description: z.string() })),
  /** Where those categories are held (tables of the data map). */
  occasions: z.array(z.object({ table: z.string(), description: z.string(), columns: z.array(z.string()) })),
});

export const ZRegister = z.object({
  generatedAt: z.string(),
  workspace: z.object({ id: z.string(), name: z.string() }),
  controller: z.string(),
  entries: z.array(ZRegisterEntry),
  tables: z.array(ZRegisterTable),
  subProcessors: z.array(ZSubProcessor),
  /** Said plainly: which parts are static lists in code today. */
  notes: z.array(z.string()),
});
export type TRegister = z.infer<typeof ZRegister>;

export const ZNoticeAppendixRow = z.object({
  purposeKey: z.string(),
  purpose: z.string(),
  categories: z.array(z.string()),
  occasions: z.array(z.string()),
  legalBasis: z.string(),
  retention: z.string(),
  objectable: z.boolean(),
});

export const ZNotice = z.object({
  version: z.number().int(),
  body: z.string(),
  textHash: z.string(),
  publishedAt: z.string(),
  appendix: z.array(ZNoticeAppendixRow),
});
export type TNotice = z.infer<typeof ZNotice>;

export const ZNoticeVersions = z.object({
  items: z.array(z.object({ version: z.number().int(), textHash: z.string(), publishedAt: z.string() })),
});

export const ZPublishNoticeBody = z
  .object({
    body: z
      .string()
      .trim()
      .min(20, { error: 'must be at least 20 characters' })
      .max(100_000, { error: 'must be at most 100,000 characters' }),
  })
  .strict();
