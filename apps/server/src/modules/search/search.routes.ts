import { ZSearchQuery, ZSearchResponse } from '@tillit/contracts';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Tx } from '../../db/client.ts';
import { requireMember } from '../../http/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { allowedOf, permissionContextOf } from '../permissions/permissions.ts';
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
      const ctx = await requireMember(services, request, 'viewer', {
        allowApiKey: true,
        hold: true,
      });
      const permission = permissionContextOf(ctx);
      // Asked inside the search's own transaction, both in one statement.
      const kindsOf = async (tx: Tx) => {
        const [people, companies] = await allowedOf(tx, permission, [
          { object: 'people', action: 'read' },
          { object: 'companies', action: 'read' },
        ]);
        const kinds = new Set<SearchKind>();
        if (people) kinds.add('person');
        if (companies) kinds.add('company');
        if (kinds.size === 0)
          throw new AppError('forbidden', 403, 'You may not search: you may read neither people nor companies.');
        return kinds;
      };
      return search(services, actorOf(ctx), request.query, kindsOf);
    },
  );
}
