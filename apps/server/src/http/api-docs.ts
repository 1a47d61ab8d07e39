import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * The API reference page at /api/docs, rendered by Scalar's standalone bundle. Served by
 * hand rather than through Scalar's Fastify plugin because that plugin initialises the page
 * with an inline script, which our Content-Security-Policy forbids.
 */
export function mountApiDocs(app: FastifyInstance): void {
  const require = createRequire(import.meta.url);
  let bundlePath: string | null = null;
  try {
    const entry = require.resolve('@scalar/fastify-api-reference');
    bundlePath = path.join(path.dirname(entry), 'js/standalone.js');
  } catch {
    bundlePath = null;
  }
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tillit API reference</title></head>
<body><div id="app"></div><script src="/api/docs/scalar.js"></script><script src="/api/docs/init.js"></script></body>
</html>`;
  app.get('/api/docs', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  app.get('/api/docs/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(html),
  );
  app.get('/api/docs/init.js', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .send(
        `Scalar.createApiReference('#app', { url: '/api/openapi.json', hideClientButton: true, withDefaultFonts: false });\n`,
      ),
  );
  let bundle: Buffer | null = null;
  app.get('/api/docs/scalar.js', { schema: { hide: true } }, async (_req, reply) => {
    if (!bundlePath)
      return reply
        .status(404)
        .send({ error: { code: 'not_found', message: 'The API reference bundle is not installed.' } });
    bundle ??= await readFile(bundlePath);
    return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(bundle);
  });
}
