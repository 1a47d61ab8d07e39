import type { TDuplicateMode, TImportEncoding, TImportTarget, TSubjectCategory } from '@tillit/contracts';

/** What an import was asked to do, kept as JSON on its row (no values of the file). */
export type ImportOptions = {
  format: 'csv' | 'vcard';
  /** CSV: one field (or null) per column; `cf.<key>` for a custom field of people. */
  mapping: (TImportTarget | null)[] | null;
  /** vCard: property name to `cf.<key>` or `company.cf.<key>` (absent before vCard
   *  properties could be mapped). */
  properties?: Record<string, TImportTarget | null> | null;
  /** CSV: the header row's column names (for the report), and the separator. */
  headers: string[] | null;
  delimiter: string | null;
  duplicates: TDuplicateMode;
  encoding: TImportEncoding;
  /** The workspace's country when the import was made: the default for national phone numbers. */
  country: string;
  defaults: {
    visibility: 'private' | 'team' | 'workspace';
    teamId: string | null;
    tags: string[];
    subjectCategories: TSubjectCategory[];
  };
};
