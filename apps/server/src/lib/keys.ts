import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The key ring: one root secret (SECRET_KEY, or a random one kept in the data directory
 * with mode 0600 when none is configured), and per-purpose keys derived from it with HKDF,
 * so that no two features share a key.
 */
export type KeyRing = { derive(purpose: string, bytes?: number): Buffer; rootSecret: string };

export function createKeyRing(rootSecret: string): KeyRing {
  return {
    rootSecret,
    derive(purpose, bytes = 32) {
      return Buffer.from(hkdfSync('sha256', rootSecret, 'tillit', purpose, bytes));
    },
  };
}

export function loadOrCreateSecret(configured: string | null, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
