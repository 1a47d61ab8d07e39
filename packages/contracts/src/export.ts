// Zod schemas of the export endpoints: GET /api/v1/{people,companies,deals}/export.
// Each takes exactly the filters, search and sort of its list (without cursor and limit),
// plus the format; the whole filtered view is streamed, without a row cap.
import { z } from 'zod';
import { ZDealListQuery } from './deals.ts';
import { ZCompanyListQuery, ZPersonListQuery } from './people.ts';

export const EXPORT_FORMATS = ['csv', 'vcard', 'json'] as const;
export type TExportFormat = (typeof EXPORT_FORMATS)[number];
/** vCard is for people only. */
export const RECORD_EXPORT_FORMATS = ['csv', 'json'] as const;

/** `bom=true` starts a CSV with a UTF-8 byte order mark, so that Excel reads it as UTF-8. */
const ZBom = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .optional()
  .transform((v) => v === 'true' || v === '1');

export const ZPeopleExportQuery = ZPersonListQuery.omit({ after: true, limit: true })
  .extend({
    format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default('csv'),
    bom: ZBom,
  })
  .strict();
export type TPeopleExportQuery = z.input<typeof ZPeopleExportQuery>;

export const ZCompanyExportQuery = ZCompanyListQuery.omit({ after: true, limit: true })
  .extend({
    format: z
      .enum(RECORD_EXPORT_FORMATS, { error: `must be one of ${RECORD_EXPORT_FORMATS.join(', ')}` })
      .default('csv'),
    bom: ZBom,
  })
  .strict();
export type TCompanyExportQuery = z.input<typeof ZCompanyExportQuery>;

export const ZDealExportQuery = ZDealListQuery.omit({ after: true, limit: true })
  .extend({
    format: z
      .enum(RECORD_EXPORT_FORMATS, { error: `must be one of ${RECORD_EXPORT_FORMATS.join(', ')}` })
      .default('csv'),
    bom: ZBom,
  })
  .strict();
export type TDealExportQuery = z.input<typeof ZDealExportQuery>;
