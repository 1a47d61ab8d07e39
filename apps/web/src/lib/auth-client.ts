import { passkeyClient } from '@better-auth/passkey/client';
import { twoFactorClient } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';
import { ApiError, toApiError } from './api.ts';

export const authClient = createAuthClient({
  baseURL: window.location.origin,
  basePath: '/api/auth',
  plugins: [twoFactorClient(), passkeyClient()],
});

type AuthResult<T> = { data: T | null; error: unknown } | { data: T; error: null };

/** Unwraps a better-auth client result: returns its data or throws an ApiError. */
export async function unwrap<T>(call: Promise<AuthResult<T>>): Promise<T> {
  const result = await call;
  if (result.error) {
    const e = result.error as { status?: number; error?: unknown; code?: unknown; message?: unknown };
    const status = typeof e.status === 'number' ? e.status : 400;
    // Our server reshapes better-auth's errors to {error:{code,message}}.
    const err = toApiError(status, e.error ? { error: e.error } : e);
    throw err;
  }
  return result.data as T;
}

export { ApiError };
