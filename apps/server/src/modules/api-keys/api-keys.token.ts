import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The shape of a key: `tlt_<prefix>_<secret>`. The prefix (12 hex characters) is public and
 * finds the key; the secret (32 random bytes, base64url) is shown once and only its SHA-256
 * is kept. A fast hash is enough for 256 random bits: there is nothing to guess.
 */
const TOKEN = /^tlt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type ParsedKey = { prefix: string; secret: string };

export function newKey(): { prefix: string; secret: string; token: string } {
  const prefix = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, token: `tlt_${prefix}_${secret}` };
}

export function parseKey(token: string): ParsedKey | null {
  const m = TOKEN.exec(token);
  return m?.[1] && m[2] ? { prefix: m[1], secret: m[2] } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of the presented secret's hash with the stored one. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bearer token of a request, if it sent `Authorization: Bearer …`. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
