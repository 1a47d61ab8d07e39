import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { isFirstRun } from './system.service.ts';

export const ZHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['pglite', 'postgres']),
  version: z.string(),
});

export function registerSystemRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Is the service up?',
        security: [],
        response: { 200: ZHealth, 503: ZHealth },
      },
    },
    async (_request, reply) => {
      try {
        await services.database.raw.query('select 1');
        return { status: 'ok' as const, database: services.database.kind, version: services.version };
      } catch {
        return reply
          .status(503)
          .send({ status: 'degraded' as const, database: services.database.kind, version: services.version });
      }
    },
  );
  r.get(
    '/api/setup',
    {
      schema: {
        tags: ['system'],
        summary: 'Whether this instance still needs its first account',
        security: [],
        response: { 200: z.object({ firstRun: z.boolean(), mail: z.enum(['smtp', 'outbox', 'memory']) }) },
      },
    },
    async () => ({ firstRun: await isFirstRun(services.database.db), mail: services.mail.kind }),
  );
}
