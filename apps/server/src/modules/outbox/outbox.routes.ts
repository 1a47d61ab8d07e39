import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../http/auth-context.ts';
import { forbidden } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { listOutbox } from './outbox.service.ts';

export const ZOutboxMessage = z.object({
  id: z.string(),
  kind: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
});

export function registerOutboxRoutes(app: FastifyInstance, services: Services): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/outbox',
    {
      schema: {
        tags: ['system'],
        summary: 'The development outbox: mail captured because no SMTP_URL is set (instance admins)',
        querystring: z
          .object({
            before: z.string().uuid().optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: { 200: z.object({ messages: z.array(ZOutboxMessage), nextBefore: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { user } = await requireUser(services, request);
      if (!user.isInstanceAdmin) throw forbidden('Only instance administrators read the outbox.');
      return listOutbox(services.database.db, request.query);
    },
  );
}
