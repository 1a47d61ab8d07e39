// Zod schemas of files attached to records and of people's photos (issue 3, P-CRM-7,
// P-CRM-1). Shared by server and web. Uploads are multipart/form-data with one part named
// `file`; the record goes in the query string.
import { z } from 'zod';

const ZId = z.uuid({ error: 'must be a UUID' });
const ZTimestamp = z.string();
const ZLimit = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(200, { error: 'must be at most 200' })
  .default(50);
const ZCursor = z.string().min(1).max(500, { error: 'is not a cursor from this list' });

/** The kinds of record a file can be attached to (tasks, projects and notes will join). */
export const FILE_RECORD_KINDS = ['person', 'company', 'deal'] as const;
export const ZFileRecordKind = z.enum(FILE_RECORD_KINDS, {
  error: `must be one of ${FILE_RECORD_KINDS.join(', ')}`,
});
export type TFileRecordKind = z.infer<typeof ZFileRecordKind>;

/** attachment: a file in a record's Files section; photo: a person's photo (P-CRM-1). */
export const ZFilePurpose = z.enum(['attachment', 'photo']);

export const ZFile = z.object({
  id: ZId,
  recordKind: ZFileRecordKind,
  recordId: ZId,
  purpose: ZFilePurpose,
  /** The name it was uploaded with (the path stripped). */
  name: z.string(),
  /** Sniffed from the content; the declared type and the extension are not trusted. */
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  /** Whether the content is an image the browser may show (PNG, JPEG, GIF, WebP). */
  isImage: z.boolean(),
  /** GET it for the bytes (an attachment download, except for images). */
  contentUrl: z.string(),
  /** A 256×256 WebP without metadata; null when the file is not an image (or the thumbnail failed). */
  thumbnailUrl: z.string().nullable(),
  thumbnailState: z.enum(['pending', 'done', 'none', 'failed']),
  uploadedBy: ZId.nullable(),
  createdAt: ZTimestamp,
  deletedAt: ZTimestamp.nullable(),
});
export type TFile = z.infer<typeof ZFile>;

/** POST /api/v1/files?kind=person&record=<id> (multipart, one part `file`). */
export const ZUploadFileQuery = z.object({ kind: ZFileRecordKind, record: ZId }).strict();
export type TUploadFileQuery = z.input<typeof ZUploadFileQuery>;

/** A record's files, newest first (keyset). */
export const ZFileListQuery = z
  .object({ kind: ZFileRecordKind, record: ZId, after: ZCursor.optional(), limit: ZLimit })
  .strict();
export type TFileListQuery = z.input<typeof ZFileListQuery>;
export const ZFileList = z.object({ items: z.array(ZFile), nextCursor: z.string().nullable() });
export type TFileList = z.infer<typeof ZFileList>;

export const ZFileParams = z.object({ id: ZId }).strict();

/** GET /api/v1/files/usage: the workspace's storage against its quota. */
export const ZStorageUsage = z.object({
  usedBytes: z.number().int(),
  quotaBytes: z.number().int(),
  fileCount: z.number().int(),
  /** The largest single upload the instance accepts. */
  maxFileBytes: z.number().int(),
});
export type TStorageUsage = z.infer<typeof ZStorageUsage>;
