import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTenant } from '../../db/tenant.ts';
import { requireMember } from '../../http/auth-context.ts';
import type { Services } from '../../services.ts';
import { DATA_CATEGORIES } from './categories.ts';
import { declaredTables, workspaceDeclarations } from './data-map.ts';

export const ZDataMap = z.object({
  categories: z.array(z.object({ key: z.string(), description: z.string() })),
  tables: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      tenancy: z.enum(['tenant', 'global']),
      controller: z.enum(['workspace', 'service']),
      subject: z.object({ kind: z.enum(['user', 'person']), column: z.string() }).nullable(),
      columns: z.array(
        z.object({
          name: z.string(),
          personal: z.boolean(),
          category: z.string().nullable(),
          note: z.string().nullable(),
        }),
      ),
    }),
  ),
  /** What this workspace declared at run time: its custom fields, each personal (with its
   *  category) or not, and the table that holds their values. */
  workspaceFields: z
    .array(
      z.object({
        table: z.string(),
        object: z.string(),
        key: z.string(),
        label: z.string(),
        type: z.string(),
        personal: z.boolean(),
        category: z.string().nullable(),
      }),
    )
    .optional(),
});

export function presentDataMap(): z.infer<typeof ZDataMap> {
  return {
    categories: Object.entries(DATA_CATEGORIES).map(([key, description]) => ({ key, description })),
    tables: declaredTables().map((t) => ({
      name: t.name,
      description: t.description,
      tenancy: t.tenancy,
      controller: t.controller,
      subject: t.subject ?? null,
      columns: Object.entries(t.columns).map(([name, c]) => ({
        name,
        personal: c.personal,
        category: c.personal ? c.category : null,
        note: c.note ?? null,
      })),
    })),
  };
}

export function registerDataMapRoutes(app: FastifyInstance, services: Services): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/privacy/data-map',
    {
      schema: {
        tags: ['privacy'],
        summary: 'The data map: every column of every table, personal or not, with its category',
        response: { 200: ZDataMap },
      },
    },
    async (request) => {
      const ctx = await requireMember(services, request, 'admin');
      const workspaceFields = await withTenant(
        services.database.db,
        { workspaceId: ctx.workspaceId, userId: ctx.user.id },
        (tx) => workspaceDeclarations(tx, ctx.workspaceId),
      );
      return { ...presentDataMap(), workspaceFields };
    },
  );
}
