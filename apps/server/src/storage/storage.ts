import type { Readable } from 'node:stream';

/**
 * Where the bytes of files live. Small on purpose, so that an S3-compatible store can sit
 * behind it later. Keys are chosen by the caller (`<workspaceId>/<fileId>[.suffix]`), one
 * folder (prefix) per workspace.
 *
 * - `put` streams `body` to the key and makes it visible only once it is complete: a body
 *   that fails or is cut short leaves nothing behind (and an existing object unchanged).
 * - `get` streams an object; it throws `StorageNotFound` when there is none.
 * - `delete` is idempotent: deleting a missing key is not an error.
 * - `stat` answers null for a missing key.
 * - `list`, `listWorkspaces`, `sweepTemporary` serve the daily sweep of bytes no row refers to.
 */
export type FileStorage = {
  put(key: string, body: Readable): Promise<{ size: number }>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
  stat(key: string): Promise<{ size: number } | null>;
  /** Removes every object of one workspace (its workspace was deleted). */
  deleteWorkspace(workspaceId: string): Promise<void>;
  /** The workspaces that have a folder (prefix), for the sweep of leftovers. */
  listWorkspaces(): Promise<string[]>;
  /** One workspace's objects with their last change, streamed (a workspace may hold millions). */
  list(workspaceId: string): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /** Removes temporary files of puts that never finished (a crashed process) older than `before`. */
  sweepTemporary(workspaceId: string, before: Date): Promise<number>;
};

export class StorageNotFound extends Error {
  constructor(key: string) {
    super(`no stored object ${key}`);
    this.name = 'StorageNotFound';
  }
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
export const UUID_PATTERN = new RegExp(`^${UUID}$`);
const KEY = new RegExp(`^(${UUID})/(${UUID})(\\.[a-z0-9]{1,16})?$`);

/** A key is `<workspace uuid>/<file uuid>` with an optional `.suffix`: nothing else, so no
 *  key can climb out of its folder. */
export function parseStorageKey(key: string): { workspaceId: string; name: string } {
  const m = KEY.exec(key);
  if (!m?.[1] || !m[2]) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
  return { workspaceId: m[1], name: `${m[2]}${m[3] ?? ''}` };
}

export function storageKey(workspaceId: string, fileId: string, suffix?: string): string {
  const key = `${workspaceId}/${fileId}${suffix ? `.${suffix}` : ''}`;
  parseStorageKey(key);
  return key;
}
