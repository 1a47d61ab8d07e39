import { ZErrorBody } from '@tillit/contracts';

/** Every failed API call becomes one of these: a stable code, a message fit for the user,
 *  and per-field problems keyed by the input's name (dotted for nested bodies). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: Record<string, string>;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

export type ApiOptions = { method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; body?: unknown; signal?: AbortSignal };

/** Same-origin fetch with the session cookie; JSON in, JSON out, errors thrown as ApiError. */
export async function api<T>(path: string, options: ApiOptions = {}): Promise<T> {
  const { method = 'GET', body, signal } = options;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) throw toApiError(response.status, parsed);
  return parsed as T;
}

/** Turns any error body (ours, or better-auth's reshaped one) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  const ours = ZErrorBody.safeParse(body);
  if (ours.success) return new ApiError(status, ours.data.error.code, ours.data.error.message, ours.data.error.fields);
  if (body && typeof body === 'object') {
    const b = body as { code?: unknown; message?: unknown };
    if (typeof b.message === 'string') {
      return new ApiError(status, typeof b.code === 'string' ? b.code.toLowerCase() : 'error', b.message);
    }
  }
  return new ApiError(status, status === 404 ? 'not_found' : 'error', `The request failed (${status || 'network'}).`);
}

/** The problem with one input, looked up by its name or by the end of a dotted path. */
export function fieldError(error: unknown, name: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  for (const [key, problem] of Object.entries(error.fields)) {
    if (key === name || key.endsWith(`.${name}`)) return problem;
  }
  return undefined;
}

/** The error's message when it is not only about fields shown beside their inputs. */
export function errorMessage(error: unknown): string | undefined {
  if (!error) return undefined;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Lists may come bare or wrapped ({items: [...]}) while the server settles its shapes. */
export function asList<T>(value: unknown, key: string): T[] {
  if (Array.isArray(value)) return value as T[];
  if (value && typeof value === 'object') {
    const inner = (value as Record<string, unknown>)[key];
    if (Array.isArray(inner)) return inner as T[];
  }
  return [];
}
