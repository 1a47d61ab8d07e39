import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../lib/errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Security headers, and CSRF protection for cookie-authenticated writes. */
export async function installSecurity(app: FastifyInstance, publicUrl: string): Promise<void> {
  const tls = publicUrl.startsWith('https:');
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: tls ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });

  // A write that carries a session cookie must come from our own origin. SameSite=Lax
  // cookies already stop most cross-site posts; this checks Origin (or Referer) as well.
  // Requests authenticated by a bearer API key carry no ambient credentials and pass.
  const allowed = allowedOrigins(publicUrl);
  app.addHook('onRequest', async (request) => {
    if (!UNSAFE.has(request.method)) return;
    if (!request.url.startsWith('/api/') || request.url.startsWith('/api/auth/')) return;
    const cookie = request.headers.cookie ?? '';
    if (!cookie.includes('tillit.session_token') && !cookie.includes('__Secure-tillit.session_token')) return;
    if (request.headers.authorization?.startsWith('Bearer ')) return;
    const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
    const host = request.headers.host;
    const sameHost = origin && host && safeHost(origin) === host;
    if (!origin || !(allowed.has(origin) || sameHost)) {
      throw new AppError('csrf', 403, 'This request did not come from Tillit itself. Reload the page and try again.');
    }
  });
}

export function allowedOrigins(publicUrl: string): Set<string> {
  const url = new URL(publicUrl);
  const out = new Set([url.origin]);
  if (url.hostname === 'localhost') out.add(url.origin.replace('localhost', '127.0.0.1'));
  if (url.hostname === '127.0.0.1') out.add(url.origin.replace('127.0.0.1', 'localhost'));
  return out;
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

function safeHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
