import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TImportFile } from '@tillit/contracts';
import { importFiles } from '../../db/schema/index.ts';
import { AppError, validationFailed } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Services } from '../../services.ts';
import { inTenant } from '../people/people.service.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { presentFile } from './import.presenter.ts';
import { createSniffer } from './import.text.ts';

/** Where a workspace's import files live: `<data dir>/imports/<workspace>/<file>`. */
export function importFilePath(services: Services, workspaceId: string, fileId: string): string {
  return path.join(services.config.dataDir, 'imports', workspaceId, fileId);
}

const VCARD_NAME = /\.(vcf|vcard)$/i;

/**
 * Streams an upload to disk, never holding it whole: it stops at the configured size
 * (413), refuses a binary file (NUL or control bytes at the start) and an empty one (422),
 * and finds the encoding by decoding every byte as UTF-8 on the way. The file row is written
 * only when the bytes are all on disk; a refused upload leaves nothing behind.
 */
export async function receiveUpload(
  services: Services,
  actor: Actor,
  body: Readable,
  name: string,
): Promise<TImportFile> {
  const now = services.clock.now();
  const fileId = newId(now.getTime());
  const file = importFilePath(services, actor.workspaceId, fileId);
  await mkdir(path.dirname(file), { recursive: true });
  const sniffer = createSniffer();
  const max = services.config.importMaxBytes;
  let size = 0;
  let firstText = '';
  let refusal: AppError | null = null;
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > max) {
            refusal = new AppError(
              'file_too_large',
              413,
              `The file is larger than the limit of ${Math.floor(max / 1024 / 1024)} MiB.`,
              { file: `must be at most ${max} bytes` },
            );
            throw refusal;
          }
          sniffer.push(chunk);
          if (firstText.length < 64) firstText += chunk.subarray(0, 64).toString('latin1');
          if (sniffer.binarySoFar) {
            refusal = validationFailed(
              { file: 'is not a text file (it holds binary data); export it as CSV or vCard' },
              'The file is not a CSV or vCard file.',
            );
            throw refusal;
          }
          yield chunk;
        }
      },
      createWriteStream(file),
    );
  } catch (err) {
    await rm(file, { force: true });
    if (refusal) throw refusal;
    throw err;
  }
  const sniff = sniffer.finish();
  const problem = sniff.binary
    ? 'is not a text file (it holds binary data); export it as CSV or vCard'
    : size === 0 || (size <= 64 && firstText.replace(/^\xEF\xBB\xBF/, '').trim() === '')
      ? 'is empty'
      : null;
  if (problem) {
    await rm(file, { force: true });
    throw validationFailed(
      { file: problem },
      problem === 'is empty' ? 'The file is empty.' : 'The file is not a CSV or vCard file.',
    );
  }
  const format =
    VCARD_NAME.test(name) || /^(\xEF\xBB\xBF)?\s*BEGIN:VCARD/i.test(firstText) ? ('vcard' as const) : ('csv' as const);
  const row = {
    workspaceId: actor.workspaceId,
    fileId,
    name,
    sizeBytes: size,
    format,
    encoding: sniff.encoding,
    createdBy: actor.userId,
    createdAt: now,
  };
  try {
    await inTenant(services, actor, (tx) => tx.insert(importFiles).values(row));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  return presentFile(row);
}
