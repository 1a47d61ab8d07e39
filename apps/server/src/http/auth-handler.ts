import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { toFetchHeaders } from './request-headers.ts';

/** Mounts better-auth under /api/auth and gives its errors the house error shape. */
export function mountAuthHandler(app: FastifyInstance, services: Services): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/api/auth/*',
    schema: { hide: true },
    async handler(request, reply) {
      const url = new URL(request.url, services.config.publicUrl);
      const init: RequestInit = { method: request.method, headers: toFetchHeaders(request) };
      if (request.method !== 'GET' && request.body !== undefined) init.body = JSON.stringify(request.body);
      const response = await services.auth.handler(new Request(url, init));
      reply.status(response.status);
      for (const [key, value] of response.headers) {
        if (key === 'set-cookie' || key === 'content-length') continue;
        reply.header(key, value);
      }
      const cookies = response.headers.getSetCookie();
      if (cookies.length) reply.header('set-cookie', cookies);
      const text = await response.text();
      if (response.status >= 400) {
        let code = 'auth_error';
        let message = response.statusText || 'The request was refused.';
        try {
          const parsed = JSON.parse(text) as { code?: string; message?: string };
          if (parsed.code) code = parsed.code.toLowerCase();
          if (parsed.message) message = parsed.message;
        } catch {}
        if (response.status === 429) code = 'rate_limited';
        reply.header('content-type', 'application/json; charset=utf-8');
        return reply.send({ error: { code, message } });
      }
      if (TOKEN_BEARING_PATHS.has(url.pathname)) return reply.send(withoutSessionTokens(text));
      return reply.send(text);
    },
  });
}

/** better-auth hands session tokens to JavaScript in these answers; the cookie is httpOnly
 *  precisely so that a script (or an injected one) never holds the token, so we drop them.
 *  Sessions are revoked by id through /api/account/sessions instead. */
const TOKEN_BEARING_PATHS = new Set(['/api/auth/get-session', '/api/auth/list-sessions']);

export function withoutSessionTokens(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  const strip = (s: unknown) => {
    if (s && typeof s === 'object' && 'token' in s) delete (s as { token?: unknown }).token;
  };
  if (Array.isArray(body)) body.forEach(strip);
  else if (body && typeof body === 'object' && 'session' in body) strip((body as { session: unknown }).session);
  return JSON.stringify(body);
}
