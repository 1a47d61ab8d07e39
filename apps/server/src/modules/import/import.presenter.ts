import type { TImport, TImportEncoding, TImportFile, TImportProblem } from '@tillit/contracts';
import type { importFiles, imports } from '../../db/schema/index.ts';
import type { ImportOptions } from './import.options.ts';

type FileRow = typeof importFiles.$inferSelect | typeof importFiles.$inferInsert;
type ImportRow = typeof imports.$inferSelect;

export function presentFile(f: FileRow): TImportFile {
  return {
    id: f.fileId,
    name: f.name,
    sizeBytes: f.sizeBytes,
    format: f.format,
    encoding: f.encoding as TImportEncoding,
    createdAt: (f.createdAt ?? new Date(0)).toISOString(),
  };
}

export function presentImport(
  row: ImportRow,
  file: typeof importFiles.$inferSelect,
  problems: TImportProblem[],
): TImport {
  const options = row.options as ImportOptions;
  const finished = row.status === 'done' || row.status === 'failed' || row.status === 'undone';
  return {
    id: row.importId,
    file: presentFile(file),
    status: row.status,
    dryRun: row.dryRun,
    duplicates: options.duplicates,
    encoding: options.encoding,
    rowsRead: row.rowsRead,
    created: row.rowsCreated,
    updated: row.rowsUpdated,
    skipped: row.rowsSkipped,
    failed: row.rowsFailed,
    companiesCreated: row.companiesCreated,
    bytesRead: row.bytesRead,
    progress: finished ? 1 : file.sizeBytes > 0 ? Math.min(1, row.bytesRead / file.sizeBytes) : 0,
    error: row.error,
    problems,
    canUndo: row.status === 'done' && !row.dryRun && row.rowsCreated + row.rowsUpdated + row.companiesCreated > 0,
    searchIndex:
      row.searchIndexedAt || row.dryRun || row.status === 'undoing' || row.status === 'undone' ? 'done' : 'pending',
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    undoneAt: row.undoneAt?.toISOString() ?? null,
  };
}
