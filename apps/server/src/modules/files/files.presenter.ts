import type { TFile } from '@tillit/contracts';
import type { files } from '../../db/schema/index.ts';
import { isSafeImage } from './files.sniff.ts';

type FileRow = typeof files.$inferSelect;

/** Rows to responses: the storage keys never leave the server. */
export function presentFile(row: FileRow): TFile {
  const image = isSafeImage(row.contentType);
  const thumbnail = image && (row.thumbnailState === 'done' || row.thumbnailState === 'pending');
  return {
    id: row.fileId,
    recordKind: row.recordKind,
    recordId: row.recordId,
    purpose: row.purpose,
    name: row.name,
    contentType: row.contentType,
    size: row.size,
    sha256: row.sha256,
    isImage: image,
    contentUrl: `/api/v1/files/${row.fileId}/content`,
    thumbnailUrl: thumbnail ? `/api/v1/files/${row.fileId}/thumbnail` : null,
    thumbnailState: row.thumbnailState,
    uploadedBy: row.uploadedBy,
    createdAt: row.createdAt.toISOString(),
    deletedAt: row.deletedAt ? row.deletedAt.toISOString() : null,
  };
}

/** The URL of a person's photo (its square thumbnail), for the people presenter. */
export function photoUrlOf(photoFileId: string | null): string | null {
  return photoFileId ? `/api/v1/files/${photoFileId}/thumbnail` : null;
}
