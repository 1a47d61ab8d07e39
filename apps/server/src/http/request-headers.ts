import type { FastifyRequest } from 'fastify';

/** Fastify's headers as Fetch headers, with the client IP that Fastify determined (which
 *  honours TRUST_PROXY) replacing anything a client sent under our own header name. */
export function toFetchHeaders(request: FastifyRequest): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value === undefined || key === 'x-tillit-client-ip') continue;
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else headers.set(key, String(value));
  }
  headers.set('x-tillit-client-ip', request.ip);
  return headers;
}
