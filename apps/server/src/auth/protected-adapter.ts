import { createFieldCipher, type FieldCipher } from '../lib/field-cipher.ts';
import type { KeyRing } from '../lib/keys.ts';

/**
 * Wraps better-auth's database adapter so that tokens are encrypted at rest: session
 * tokens deterministically (better-auth looks sessions up by token), OAuth tokens with a
 * random IV. Values in `where` clauses are encrypted the same way, and results are
 * decrypted, so better-auth never notices. A database dump holds no usable token.
 */
export type ProtectedFields = Record<string, Record<string, 'deterministic' | 'random'>>;

export const PROTECTED_AUTH_FIELDS: ProtectedFields = {
  session: { token: 'deterministic' },
  account: { accessToken: 'random', refreshToken: 'random', idToken: 'random' },
};

/** The cipher of auth tokens, derived from the key ring. */
export function authTokenCipher(keys: KeyRing): FieldCipher {
  return createFieldCipher(keys.derive('auth-token-encryption'), keys.derive('auth-token-iv'));
}

const tokenCiphers = new WeakMap<KeyRing, FieldCipher>();

/** What `sessions.token` holds for a session token, for a direct lookup (every signed-in
 *  request's check: auth/request-auth.ts). The cipher's two HKDF derivations are made once
 *  per key ring (they were 2 % of the server's CPU on GET person). */
export function storedSessionToken(keys: KeyRing, token: string): string {
  let cipher = tokenCiphers.get(keys);
  if (!cipher) {
    cipher = authTokenCipher(keys);
    tokenCiphers.set(keys, cipher);
  }
  return cipher.encrypt(token, 'deterministic');
}

type Where = { field: string; value: unknown; operator?: string };
type Args = { model: string; where?: Where[]; data?: Record<string, unknown>; update?: Record<string, unknown> };
type AnyAdapter = Record<string, unknown> & { transaction?: unknown };

export function protectAdapter<A extends object>(
  adapter: A,
  cipher: FieldCipher,
  fields: ProtectedFields = PROTECTED_AUTH_FIELDS,
): A {
  const enc = (model: string, field: string, value: unknown): unknown => {
    const mode = fields[model]?.[field];
    if (!mode || typeof value !== 'string' || cipher.isEncrypted(value)) return value;
    return cipher.encrypt(value, mode);
  };
  const encRecord = (model: string, rec: Record<string, unknown> | undefined) =>
    rec ? Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, enc(model, k, v)])) : rec;
  const encWhere = (model: string, where: Where[] | undefined) =>
    where?.map((w) => {
      const mode = fields[model]?.[w.field];
      if (!mode) return w;
      if (mode === 'random' && (!w.operator || w.operator === 'eq')) {
        // A randomly encrypted field cannot be matched by value.
        throw new Error(`${model}.${w.field} is encrypted and cannot be searched by value`);
      }
      const value = Array.isArray(w.value) ? w.value.map((v) => enc(model, w.field, v)) : enc(model, w.field, w.value);
      return { ...w, value };
    });
  const decRow = (model: string, row: unknown): unknown => {
    if (!row || typeof row !== 'object') return row;
    const out = { ...(row as Record<string, unknown>) };
    for (const field of Object.keys(fields[model] ?? {})) {
      const v = out[field];
      if (typeof v === 'string') out[field] = cipher.decrypt(v);
    }
    return out;
  };
  const decResult = (model: string, result: unknown) =>
    Array.isArray(result) ? result.map((r) => decRow(model, r)) : decRow(model, result);

  const wrap = (inner: AnyAdapter): AnyAdapter => {
    const out: AnyAdapter = { ...inner };
    for (const method of [
      'create',
      'findOne',
      'findMany',
      'count',
      'update',
      'updateMany',
      'delete',
      'deleteMany',
      'consumeOne',
      'incrementOne',
    ]) {
      const fn = inner[method];
      if (typeof fn !== 'function') continue;
      out[method] = async (args: Args) => {
        const next: Args = { ...args };
        if (args.where) next.where = encWhere(args.model, args.where) as Where[];
        if (args.data) next.data = encRecord(args.model, args.data) as Record<string, unknown>;
        if (args.update) next.update = encRecord(args.model, args.update) as Record<string, unknown>;
        const result = await (fn as (a: Args) => Promise<unknown>).call(inner, next);
        return typeof result === 'number' || result === undefined ? result : decResult(args.model, result);
      };
    }
    if (typeof inner.transaction === 'function') {
      const tx = inner.transaction as (cb: (trx: AnyAdapter) => Promise<unknown>) => Promise<unknown>;
      out.transaction = (cb: (trx: AnyAdapter) => Promise<unknown>) => tx.call(inner, (trx) => cb(wrap(trx)));
    }
    return out;
  };
  return wrap(adapter as unknown as AnyAdapter) as unknown as A;
}
