import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress } from './webhooks.ssrf.ts';

export const DELIVERY_TIMEOUT_MS = 10_000;
const MAX_BODY = 1024;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (see docs/api.md). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export type SendResult = { status: number | null; body: string | null; error: string | null; durationMs: number };

/**
 * POSTs one delivery. Never throws: a refused address, a timeout or a network error is a
 * failed attempt with its reason. Redirects are not followed (a 3xx is a failure), so a
 * receiver cannot bounce a delivery to an internal address.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  allowPrivate: boolean,
): Promise<SendResult> {
  const started = performance.now();
  const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({
    ...r,
    durationMs: Math.round(performance.now() - started),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done({ status: null, body: null, error: 'invalid URL' });
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host)) {
    return done({ status: null, body: null, error: 'refused: private, loopback or link-local address' });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(allowPrivate),
        timeout: DELIVERY_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () =>
          resolve(
            done({
              status: res.statusCode ?? null,
              body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY),
              error: null,
            }),
          ),
        );
        res.on('error', (e) => resolve(done({ status: res.statusCode ?? null, body: null, error: e.message })));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${DELIVERY_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve(done({ status: null, body: null, error: e.message.slice(0, 300) })));
    req.end(body);
  });
}
