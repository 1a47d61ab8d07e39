import type { Services } from '../../services.ts';

/** Deletes purged bytes (after the commit). A key that fails stays on disk until the daily
 *  files.sweep finds that no row refers to it. */
export async function deleteStoredKeys(services: Services, keys: string[]): Promise<number> {
  let failed = 0;
  for (const key of keys) {
    try {
      await services.storage.delete(key);
    } catch {
      failed += 1;
    }
  }
  return failed;
}
