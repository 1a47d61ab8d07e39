import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { newId } from '../lib/ids.ts';
import { createLocalStorage } from './storage.local.ts';
import { parseStorageKey, StorageNotFound, storageKey } from './storage.ts';

describe('local file storage', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tillit-storage-'));
  const storage = createLocalStorage(root);
  const ws = newId();

  it('puts, stats, gets and deletes by key, one folder per workspace', async () => {
    const key = storageKey(ws, newId());
    expect(await storage.put(key, Readable.from([Buffer.from('hello '), Buffer.from('world')]))).toEqual({ size: 11 });
    expect(await storage.stat(key)).toEqual({ size: 11 });
    expect(await text(await storage.get(key))).toBe('hello world');
    await storage.delete(key);
    await storage.delete(key); // idempotent
    expect(await storage.stat(key)).toBeNull();
    await expect(storage.get(key)).rejects.toBeInstanceOf(StorageNotFound);
  });

  it('a body that fails half way leaves no file and no temporary file, and an existing object unchanged', async () => {
    const key = storageKey(ws, newId());
    await storage.put(key, Readable.from([Buffer.from('v1')]));
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(1000, 1));
        this.destroy(new Error('connection lost'));
      },
    });
    await expect(storage.put(key, broken)).rejects.toThrow('connection lost');
    expect(await text(await storage.get(key))).toBe('v1');
    const other = storageKey(ws, newId());
    const broken2 = new Readable({
      read() {
        this.destroy(new Error('gone'));
      },
    });
    await expect(storage.put(other, broken2)).rejects.toThrow('gone');
    expect(await storage.stat(other)).toBeNull();
    expect(readdirSync(path.join(root, ws)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('refuses any key that is not <workspace>/<file>[.suffix] (no way out of the folder)', () => {
    for (const bad of [
      '../etc/passwd',
      `${ws}/../x`,
      `${ws}/${ws}/x`,
      `/${ws}/${ws}`,
      `${ws}\\${ws}`,
      `${ws}/${ws}.`,
    ]) {
      expect(() => parseStorageKey(bad), bad).toThrow();
    }
    expect(parseStorageKey(`${ws}/${ws}.thumb`)).toEqual({ workspaceId: ws, name: `${ws}.thumb` });
  });
});
