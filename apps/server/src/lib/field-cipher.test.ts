import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFieldCipher } from './field-cipher.ts';

describe('field cipher', () => {
  const cipher = createFieldCipher(randomBytes(32), randomBytes(32));

  it('round-trips, and deterministic mode is stable so equality lookups work', () => {
    const a = cipher.encrypt('session-token-1', 'deterministic');
    expect(a).not.toContain('session-token-1');
    expect(cipher.encrypt('session-token-1', 'deterministic')).toBe(a);
    expect(cipher.decrypt(a)).toBe('session-token-1');
  });

  it('random mode never repeats a ciphertext', () => {
    const a = cipher.encrypt('refresh', 'random');
    expect(cipher.encrypt('refresh', 'random')).not.toBe(a);
    expect(cipher.decrypt(a)).toBe('refresh');
  });

  it('refuses a tampered ciphertext and another key', () => {
    const a = cipher.encrypt('x'.repeat(40), 'random');
    const raw = Buffer.from(a.slice('enc1:'.length), 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0x01;
    const flipped = `enc1:${raw.toString('base64url')}`;
    expect(flipped).not.toBe(a);
    expect(() => cipher.decrypt(flipped)).toThrow();
    const other = createFieldCipher(randomBytes(32), randomBytes(32));
    expect(() => other.decrypt(a)).toThrow();
  });
});
