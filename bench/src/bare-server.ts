import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import pg from 'pg';

/**
 * The bare baselines: a Fastify server with no authentication, no row-level security, no
 * validation library and no audit, running the same primary-key and keyset SELECTs as
 * Tillit with node-postgres (or PGlite). Each workload's ratio is Tillit's throughput
 * over this server's, measured in the same run on the same data.
 */
export type BareOptions =
  | { kind: 'postgres'; url: string; workspaceId: string; port: number }
  | { kind: 'pglite'; dataDir: string; workspaceId: string; port: number };

type Query = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

export async function startBareServer(options: BareOptions): Promise<{ url: string; stop(): Promise<void> }> {
  let query: Query;
  let close: () => Promise<void>;
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: 20 });
    query = async (text, params) => (await pool.query(text, params)).rows;
    close = () => pool.end();
  } else {
    const db = new PGlite(options.dataDir);
    await db.waitReady;
    query = async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows;
    close = () => db.close();
  }
  const ws = options.workspaceId;
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ ok: true }));
  app.get<{ Params: { id: string } }>('/people/:id', async (req, reply) => {
    const rows = await query(
      `select person_id, first_name, last_name, title, street, state, postal_code, city, country, owner_id,
              source, visibility, team_id, created_at, updated_at
         from people where workspace_id = $1 and person_id = $2 and deleted_at is null`,
      [ws, req.params.id],
    );
    if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
    return rows[0];
  });
  app.get<{ Querystring: { category?: string; dir?: string } }>('/people', async (req) => {
    const desc = req.query.dir === 'desc';
    const rows = await query(
      `select person_id, first_name, last_name, title, city, created_at from people p
        where workspace_id = $1 and deleted_at is null
          and person_id in (select person_id from person_categories where workspace_id = $1 and category = $2)
        order by sort_name ${desc ? 'desc' : 'asc'}, person_id ${desc ? 'desc' : 'asc'} limit 50`,
      [ws, req.query.category ?? 'client'],
    );
    return { items: rows };
  });
  await app.listen({ port: options.port, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: async () => {
      await app.close();
      await close();
    },
  };
}
