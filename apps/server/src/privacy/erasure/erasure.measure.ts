/**
 * Measures `erasePerson` on PostgreSQL at scale (P-DSR-3: under 2 s for one person in a
 * workspace of 1,000,000 people and 10,000,000 timeline rows). Not a test: run by hand,
 *   npx tsx apps/server/src/privacy/erasure/erasure.measure.ts <superuser-url> <app-url>
 * against an empty database (the superuser generates the rows with generate_series; the
 * erasure runs as the app, under row-level security).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createServices } from '../../bootstrap.ts';
import { loadConfig } from '../../config.ts';
import { withTenant } from '../../db/tenant.ts';
import { erasePerson } from './erasure.service.ts';

const [suUrl, appUrl] = process.argv.slice(2);
const PEOPLE = Number(process.env.PEOPLE ?? 1_000_000);
const NOTES = Number(process.env.NOTES ?? 2_500_000);
if (!suUrl || !appUrl) throw new Error('usage: erasure.measure.ts <superuser-url> <app-url>');

const config = loadConfig({
  NODE_ENV: 'production',
  DATABASE_URL: appUrl,
  SECRET_KEY: randomBytes(32).toString('hex'),
  TILLIT_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tillit-measure-')),
  LOG_LEVEL: 'silent',
  PUBLIC_URL: 'http://localhost:3000',
});
const services = await createServices(config);
const su = new pg.Client({ connectionString: suUrl });
await su.connect();
const q = async (label: string, text: string) => {
  const t = performance.now();
  await su.query(text);
  console.log(`${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
};
const ws = '0190aaaa-0000-7000-8000-000000000001';
const target = '0190aaaa-0000-7000-8000-0000000000ff';
// MEASURE_ONLY=1: the rows are there from an earlier run; erase a few more people.
const only = process.env.MEASURE_ONLY === '1';
if (!only) await generate();
async function generate() {
  await q(
    'workspace',
    `insert into workspaces (workspace_id, name) values ('${ws}', 'Measure') on conflict do nothing`,
  );
  await q(
    'people',
    `insert into people (workspace_id, person_id, first_name, last_name)
   select '${ws}', case when i = 1 then '${target}'::uuid else gen_random_uuid() end, 'First' || i, 'Last' || i
   from generate_series(1, ${PEOPLE}) i`,
  );
  await q(
    'ids',
    `create temp table ids as select row_number() over () as n, person_id from people where workspace_id = '${ws}'`,
  );
  await q('ids index', 'create index on ids (n); analyze ids');
  await q(
    'emails',
    `insert into person_emails (workspace_id, person_id, email, type, is_primary, position)
   select '${ws}', person_id, 'p' || n || '@example.com', 'work', true, 0 from ids`,
  );
  await q(
    'search terms',
    `insert into person_search_terms (workspace_id, term, person_id)
   select '${ws}', 'last' || n, person_id from ids`,
  );
  await q(
    'notes',
    `insert into notes (workspace_id, note_id, body_html, body_text)
   select '${ws}', gen_random_uuid(), '<p>n</p>', 'n' from generate_series(1, ${NOTES})`,
  );
  await q(
    'note links',
    `insert into note_people (workspace_id, note_id, person_id, occurred_at)
   select '${ws}', x.note_id, case when x.r <= 20 then '${target}'::uuid else (select person_id from ids where n = 1 + (x.r * 7919) % ${PEOPLE}) end, now()
   from (select note_id, row_number() over () as r from notes where workspace_id = '${ws}') x`,
  );
  await q(
    'interactions',
    `insert into interactions (workspace_id, interaction_id, kind, occurred_at)
   select '${ws}', gen_random_uuid(), 'call', now() from generate_series(1, ${NOTES})`,
  );
  await q(
    'interaction links',
    `insert into interaction_people (workspace_id, interaction_id, person_id, occurred_at)
   select '${ws}', x.interaction_id, case when x.r <= 10 then '${target}'::uuid else (select person_id from ids where n = 1 + (x.r * 104729) % ${PEOPLE}) end, now()
   from (select interaction_id, row_number() over () as r from interactions where workspace_id = '${ws}') x`,
  );
  await q(
    'audit entries',
    `insert into audit_entries (workspace_id, seq, entry_id, occurred_at, actor_kind, action, target_type, target_id, details, personal, prev_hash, hash)
   select '${ws}', n, gen_random_uuid(), now(), 'user', 'person.updated', 'person', person_id, '{}'::jsonb,
     case when n % 10 = 0 then '{"ip":"10.0.0.1"}'::jsonb end, '0', md5(n::text) from ids`,
  );
  await q(
    'audit head',
    `insert into audit_chain_heads (workspace_id, seq, hash) values ('${ws}', ${PEOPLE}, md5('${PEOPLE}'))`,
  );
  await q('analyze', 'analyze');
}
const others = (
  await su.query(
    `select person_id from people where workspace_id = '${ws}' and person_id <> '${target}' order by person_id offset floor(random() * 900000) limit 3`,
  )
).rows.map((r: { person_id: string }) => ['a random person', r.person_id] as const);
await su.end();

const runs: (readonly [string, string])[] = [
  ...(only ? [] : [['a person with 20 notes, 10 calls, an email, postings, audit entries', target] as const]),
  ...others,
];
for (const [label, id] of runs) {
  const t = performance.now();
  const cert = await withTenant(services.database.db, { workspaceId: ws }, (tx) =>
    erasePerson(tx, { services, workspaceId: ws, actor: { kind: 'system' } }, id, { reason: 'measure' }),
  );
  const ms = performance.now() - t;
  console.log(`erasePerson (${label}): ${ms.toFixed(0)} ms`);
  console.log(cert.entries.map((e) => `${e.table}:${e.action}:${e.rows}`).join(' '));
}
await services.database.close();
