import type { FastifyInstance } from 'fastify';
import { AppError, type FieldProblems } from '../lib/errors.ts';

// A lone UTF-16 surrogate cannot be stored as UTF-8, and PostgreSQL text cannot hold NUL.
// With the `u` flag a well-formed surrogate pair is one code point, so this matches only
// lone halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function findBadStrings(value: unknown, path: string, out: FieldProblems, depth = 0): void {
  if (depth > 20 || Object.keys(out).length >= 20) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out[path || 'body'] = 'must not contain NUL characters';
    else if (LONE_SURROGATE.test(value)) out[path || 'body'] = 'is not valid Unicode text';
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findBadStrings(v, path ? `${path}.${i}` : String(i), out, depth + 1);
    });
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000') || LONE_SURROGATE.test(k))
        out[path || 'body'] = 'has a field name that is not valid text';
      findBadStrings(v, path ? `${path}.${k}` : k, out, depth + 1);
    }
  }
}

/**
 * Refuses, before validation, any input string that no database column could store: NUL
 * characters and broken Unicode (lone surrogates) in the body, query or route parameters.
 * Without this such input would reach PostgreSQL and fail there as a 500.
 */
export function installInputSanity(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const problems: FieldProblems = {};
    findBadStrings(request.body, '', problems);
    findBadStrings(request.query, '', problems);
    findBadStrings(request.params, '', problems);
    if (Object.keys(problems).length) {
      throw new AppError('validation_failed', 422, 'Some fields hold text that cannot be stored.', problems);
    }
  });
}
