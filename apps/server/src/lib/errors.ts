/**
 * The one error type of the server. `code` is stable and machine-readable, `status` the
 * HTTP status, `message` is fit to show a user. `fields` names the inputs at fault.
 * Anything that is not an AppError reaches the client only as a generic 500.
 */
export type FieldProblems = Record<string, string>;

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fields?: FieldProblems;

  constructor(code: string, status: number, message: string, fields?: FieldProblems) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    if (fields) this.fields = fields;
  }
}

export const badRequest = (message: string, fields?: FieldProblems) =>
  new AppError('bad_request', 400, message, fields);
export const validationFailed = (fields: FieldProblems, message = 'Some fields are invalid.') =>
  new AppError('validation_failed', 422, message, fields);
export const unauthenticated = (message = 'Sign in first.') => new AppError('unauthenticated', 401, message);
export const forbidden = (message = 'You may not do that.') => new AppError('forbidden', 403, message);
export const notFound = (what = 'The record') => new AppError('not_found', 404, `${what} was not found.`);
export const conflict = (message: string, fields?: FieldProblems) => new AppError('conflict', 409, message, fields);
