import { randomBytes } from 'node:crypto';

/** UUID version 7: time-ordered, so primary keys double as a keyset for pagination. */
export function newId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The instance's own audit chain and other instance-level tenant rows use this id. */
export const INSTANCE_SCOPE = '00000000-0000-0000-0000-000000000000';
