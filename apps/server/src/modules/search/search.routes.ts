import { ZSearchQuery, ZSearchResponse } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Tx } from '../../db/client.ts';
import { requireMember } from '../../http/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { assertAllowed, permissionContextOf } from '../permissions/permissions.ts';
import { actorOf } from '../workspaces/workspaces.service.ts';
import type { SearchKind } from './search.index.ts';
import { search } from './search.service.ts';

/** The global search (Ctrl/Cmd+K): any member, viewers too, and API keys, over what they may
 *  see: people when they may read people, companies when they may read companies. */
export function registerSearchRoutes(app: FastifyInstance, services: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'People and companies I can see whose name, email, phone or domain matches q (typos forgiven)',
        querystring: ZSearchQuery,
        response: { 200: ZSearchResponse },
      },
    },
    async (request) => {
      // The check opens the search's transaction (one round trip fewer; requireMember's `hold`).
      const ctx = await requireMember(services, request, 'viewer', { allowApiKey: true, hold: true });
      const permission = permissionContextOf(ctx);
      // Asked inside the search's own transaction: no transaction of its own per kind.
      const kindsOf = async (tx: Tx) => {
        const kinds = new Set<SearchKind>();
        const may = async (object: 'people' | 'companies') =>
          assertAllowed(tx, permission, object, 'read').then(
            () => true,
            (e: unknown) => {
              if (e instanceof AppError && e.status === 403) return false;
              throw e;
            },
          );
        if (await may('people')) kinds.add('person');
        if (await may('companies')) kinds.add('company');
        if (kinds.size === 0)
          throw new AppError('forbidden', 403, 'You may not search: you may read neither people nor companies.');
        return kinds;
      };
      return search(services, actorOf(ctx), request.query, kindsOf);
    },
  );
}
