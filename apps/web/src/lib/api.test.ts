import { describe, expect, it } from 'vitest';
import { ApiError, asList, fieldError, toApiError } from './api.ts';

describe('toApiError', () => {
  it('reads the house error shape with its field problems', () => {
    const err = toApiError(422, {
      error: { code: 'validation_failed', message: 'Invalid body.', fields: { 'account.email': 'is taken' } },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('validation_failed');
    expect(err.status).toBe(422);
    expect(fieldError(err, 'email')).toBe('is taken');
    expect(fieldError(err, 'mail')).toBeUndefined();
  });

  it('falls back for bodies it does not know', () => {
    expect(toApiError(500, 'oops').code).toBe('error');
    expect(toApiError(404, undefined).code).toBe('not_found');
    expect(toApiError(400, { code: 'INVALID_CODE', message: 'Bad code' }).code).toBe('invalid_code');
  });
});

describe('asList', () => {
  it('accepts bare and wrapped lists', () => {
    expect(asList<number>([1, 2], 'items')).toEqual([1, 2]);
    expect(asList<number>({ items: [3] }, 'items')).toEqual([3]);
    expect(asList<number>({ other: [3] }, 'items')).toEqual([]);
  });
});
