import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { mountApiDocs } from './http/api-docs.ts';
import { releaseRequestTransaction } from './http/auth-context.ts';
import { mountAuthHandler } from './http/auth-handler.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { installInputSanity } from './http/input-sanity.ts';
import { installSecurity } from './http/security.ts';
import { registerRoutes } from './routes.ts';
import type { Services } from './services.ts';

export type App = FastifyInstance;

export type BuildAppOptions = { webDist?: string | null; logger?: boolean };

/** Builds the HTTP app without listening: main.ts listens, tests inject. */
export async function buildApp(services: Services, options: BuildAppOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger === false ? false : { level: services.config.logLevel },
    trustProxy: services.config.trustProxy,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const webDist = options.webDist === undefined ? defaultWebDist() : options.webDist;
  const serveWeb = Boolean(webDist && existsSync(path.join(webDist, 'index.html')));
  installErrorHandler(app, { spaFallback: serveWeb });
  await installSecurity(app, services.config.publicUrl);
  installInputSanity(app);
  // A transaction a request's sign-in check opened (`hold`) and nothing took is rolled back
  // once the answer is sent, or the client went away.
  app.addHook('onResponse', (request) => releaseRequestTransaction(request));
  app.addHook('onRequestAbort', (request) => releaseRequestTransaction(request));
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tillit API',
        version: services.version,
        description:
          'The Tillit REST API. Every error is `{"error": {"code", "message", "fields"?}}`. Browser sessions use a cookie; writes need a same-origin `Origin` header.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'tillit.session_token' },
          // Routes that take keys list the scope they need in their security requirement.
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'A workspace API key (`tlt_…`); a route that takes keys names the scope it needs.',
          },
        },
      },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  mountApiDocs(app);

  mountAuthHandler(app, services);
  await registerRoutes(app, services);

  if (serveWeb && webDist) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: false });
  }
  return app;
}

function defaultWebDist(): string | null {
  const candidates = [
    path.resolve(import.meta.dirname, '../../web/dist'),
    path.resolve(import.meta.dirname, '../web/dist'),
    path.resolve(process.cwd(), 'apps/web/dist'),
  ];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? null;
}
