import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, opendir, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type FileStorage, parseStorageKey, StorageNotFound, UUID_PATTERN } from './storage.ts';

/**
 * Files on the local disk under `root`, one folder per workspace. A put streams into a
 * temporary file in the same folder (same file system, so the rename is atomic) and renames
 * it over the key only when the whole body was written and flushed.
 */
export function createLocalStorage(root: string): FileStorage {
  const pathOf = (key: string) => {
    const { workspaceId, name } = parseStorageKey(key);
    return { dir: path.join(root, workspaceId), file: path.join(root, workspaceId, name) };
  };

  return {
    async put(key, body: Readable) {
      const { dir, file } = pathOf(key);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      try {
        await pipeline(body, createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true }));
        const { size } = await stat(tmp);
        await rename(tmp, file);
        return { size };
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },

    async get(key) {
      const { file } = pathOf(key);
      const stream = createReadStream(file);
      // Surface a missing file as StorageNotFound before any byte is sent.
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err: NodeJS.ErrnoException) =>
          reject(err.code === 'ENOENT' ? new StorageNotFound(key) : err),
        );
      });
      return stream;
    },

    async delete(key) {
      const { file } = pathOf(key);
      try {
        await unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },

    async stat(key) {
      const { file } = pathOf(key);
      try {
        const s = await stat(file);
        return { size: s.size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },

    async deleteWorkspace(workspaceId) {
      parseStorageKey(`${workspaceId}/${workspaceId}`);
      await rm(path.join(root, workspaceId), { recursive: true, force: true });
    },

    async listWorkspaces() {
      try {
        const entries = await readdir(root, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory() && UUID_PATTERN.test(e.name)).map((e) => e.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },

    async *list(workspaceId) {
      parseStorageKey(`${workspaceId}/${workspaceId}`);
      let dir: Awaited<ReturnType<typeof opendir>>;
      try {
        dir = await opendir(path.join(root, workspaceId));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for await (const entry of dir) {
        if (!entry.isFile() || entry.name.startsWith('.')) continue;
        const key = `${workspaceId}/${entry.name}`;
        try {
          parseStorageKey(key);
        } catch {
          continue;
        }
        const s = await stat(path.join(root, workspaceId, entry.name)).catch(() => null);
        if (s) yield { key, modifiedAt: s.mtime };
      }
    },

    async sweepTemporary(workspaceId, before) {
      parseStorageKey(`${workspaceId}/${workspaceId}`);
      let removed = 0;
      const names = await readdir(path.join(root, workspaceId)).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.startsWith('.tmp-')) continue;
        const file = path.join(root, workspaceId, name);
        const s = await stat(file).catch(() => null);
        if (s && s.mtime < before) {
          await rm(file, { force: true });
          removed += 1;
        }
      }
      return removed;
    },
  };
}
