import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Encryption of single fields at rest (AES-256-GCM). `deterministic` derives the IV from
 * an HMAC of the plaintext, so equal values encrypt equally and can still be looked up by
 * equality (session tokens); otherwise the IV is random (OAuth tokens, secrets that are
 * only read back). Ciphertexts start with `enc1:` so a plain legacy value is recognised.
 */
export type FieldCipher = {
  encrypt(plain: string, mode: 'deterministic' | 'random'): string;
  decrypt(value: string): string;
  isEncrypted(value: string): boolean;
};

const PREFIX = 'enc1:';

export function createFieldCipher(key: Buffer, ivKey: Buffer): FieldCipher {
  if (key.length !== 32) throw new Error('field cipher key must be 32 bytes');
  return {
    encrypt(plain, mode) {
      const iv =
        mode === 'deterministic' ? createHmac('sha256', ivKey).update(plain).digest().subarray(0, 12) : randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(value) {
      if (!value.startsWith(PREFIX)) return value;
      const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    isEncrypted: (value) => value.startsWith(PREFIX),
  };
}
