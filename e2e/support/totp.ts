import { TOTP } from 'otpauth';

/** The current code of an authenticator app set up with `otpauthUri`. */
export function totpCode(otpauthUri: string): string {
  const secret = new URL(otpauthUri).searchParams.get('secret');
  if (!secret) throw new Error('no secret in the otpauth URI');
  return new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}
