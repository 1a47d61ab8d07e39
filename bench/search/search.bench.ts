/**
 * Measures the global search and the dashboard at scale on PostgreSQL (issue 3):
 * 1,000,000 people (name, email, phone) and 20,000 companies in one workspace, 200,000 deals.
 * Rows are generated with set-based SQL; the search index of the bulk is built with SQL that
 * follows the rules of search.terms.ts for these ASCII names, then checked against the
 * application's own `reindexRecords` on a sample (it must find nothing to change).
 * Queries go through the services under row-level security (role tillit_app), as the
 * owner (sees everything) and as a member (visibility clause, 10 % of people private).
 *
 *   TEST_DATABASE_URL=postgres://tillit_ci@127.0.0.1:5432/tillit_ci_probe \
 *     BENCH_PEOPLE=1000000 npx vitest run --config bench/search/vitest.config.ts
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withTenant } from '../../apps/server/src/db/tenant.ts';
import { pipelineDashboard, wonLost } from '../../apps/server/src/modules/dashboard/dashboard.service.ts';
import { listPipelines } from '../../apps/server/src/modules/deals/pipelines.service.ts';
import { createPerson } from '../../apps/server/src/modules/people/people.service.ts';
import { reindexRecords } from '../../apps/server/src/modules/search/search.index.ts';
import { search } from '../../apps/server/src/modules/search/search.service.ts';
import type { Actor } from '../../apps/server/src/modules/workspaces/workspaces.service.ts';
import { ownerWithWorkspaceDirect } from '../../apps/server/src/modules/workspaces/workspaces.test-helpers.ts';
import { createTestEnv, type TestEnv } from '../../apps/server/test/harness.ts';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 1_000_000);
const COMPANIES = Math.max(100, Math.round(PEOPLE / 50));
const DEALS = Number(process.env.BENCH_DEALS ?? 200_000);

const FIRST = `john jane ola kari per anne lars ingrid erik nina jon johan johanna maria mari hans olav
  astrid sofie emma nora sara ida thea jonas emil lukas william oskar filip henrik magnus kristian
  andreas daniel martin thomas jakob mathias sander tobias elias aksel liam noah olivia ella maja
  leah frida amalie hedda aurora mia selma iben vilde julie tiril silje hanna marte mona tone
  anita heidi hilde randi liv eva berit kjell terje geir rune svein arne bjorn odd knut jan trond
  paul peter james robert michael david richard joseph charles christopher daniel matthew anthony
  mark steven andrew joshua kevin brian george edward ronald timothy jason jeffrey ryan jacob gary
  linda barbara elizabeth jennifer susan jessica sarah karen nancy lisa betty margaret sandra ashley
  kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca laura sharon`
  .split(/\s+/)
  .filter(Boolean);
const LAST_COMMON = `hansen johansen olsen larsen andersen pedersen nilsen kristiansen jensen karlsen
  johnsen pettersen eriksen berg haugen hagen johannessen andreassen jacobsen dahl jørgensen halvorsen
  smith johnson williams brown jones garcia miller davis rodriguez martinez wilson anderson taylor
  thomas moore jackson martin lee thompson white harris clark lewis robinson walker young allen king`
  .split(/\s+/)
  .filter((w) => w && !w.includes('ø'));
const SYL = `ber dal gaard heim lund strand vik berg stad rud nes moen bakk holm fjell skog sand
  aas haug kval lie bratt brekk eng tveit myr hov sol vang voll bu mo ro ness sten kvam skar`
  .split(/\s+/)
  .filter(Boolean);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timeIt(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return Math.round(median(times) * 10) / 10;
}

let env: TestEnv;
let close: () => Promise<void>;
let owner: Actor;
let member: Actor;
let client: pg.Client;
const lines: string[] = [];
const log = (s: string) => {
  lines.push(s);
  console.log(s);
};

beforeAll(async () => {
  const created = await createTestEnv('postgres');
  env = created.env;
  close = created.close;
  const o = await ownerWithWorkspaceDirect(env, 'Bench');
  owner = { workspaceId: o.workspaceId, userId: o.owner.userId, role: 'owner', twoFactorEnabled: false };
  member = {
    workspaceId: o.workspaceId,
    userId: '00000000-0000-7000-8000-000000000001',
    role: 'member',
    twoFactorEnabled: false,
  };
  // A session of its own as the database owner: FORCE RLS binds it too, so it scopes itself.
  const url = (env.services.database.jobs as { connectionString: string }).connectionString;
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`select set_config('app.workspace_id', $1, false)`, [o.workspaceId]);
});

afterAll(async () => {
  await client?.end();
  await close?.();
});

async function q(text: string, params: unknown[] = []) {
  const t = performance.now();
  const r = await client.query(text, params);
  return { rows: r.rows, ms: Math.round(performance.now() - t) };
}

it('generates, indexes and measures', async () => {
  const ws = owner.workspaceId;
  const arr = (xs: string[]) => `array[${xs.map((x) => `'${x}'`).join(',')}]`;
  const last = [...LAST_COMMON, ...SYL.flatMap((a) => SYL.map((b) => a + b))];
  log(`first names ${FIRST.length}, last names ${last.length}, people ${PEOPLE}, companies ${COMPANIES}`);
  let t = await q(
    `insert into companies (workspace_id, company_id, name, domain, owner_id, visibility, created_at, updated_at)
     select $1::uuid, gen_random_uuid(), initcap(s1) || initcap(s2) || ' AS', s1 || s2 || i || '.no', $2::uuid, 'workspace', now(), now()
     from (select i, (${arr(SYL)})[1 + (i * 7) % ${SYL.length}] s1, (${arr(SYL)})[1 + (i / ${SYL.length}) % ${SYL.length}] s2
           from generate_series(1, ${COMPANIES}) i) x`,
    [ws, owner.userId],
  );
  log(`companies: ${t.ms} ms`);
  await q(
    `insert into companies (workspace_id, company_id, name, domain, owner_id, visibility, created_at, updated_at)
           values ($1, gen_random_uuid(), 'ACME AS', 'acme.no', $2, 'workspace', now(), now())`,
    [ws, owner.userId],
  );
  // People: first names uniform, last names skewed (the common ones ~40 %), 10 % private.
  t = await q(
    `insert into people (workspace_id, person_id, first_name, last_name, owner_id, visibility, created_at, updated_at)
     select $1::uuid, gen_random_uuid(), initcap(f), initcap(l), $2::uuid,
            case when i % 10 = 0 then 'private' else 'workspace' end, now(), now()
     from (select i, (${arr(FIRST)})[1 + floor(random() * ${FIRST.length})::int] f,
                  case when random() < 0.4 then (${arr(LAST_COMMON)})[1 + floor(random() * ${LAST_COMMON.length})::int]
                       else (${arr(last)})[1 + floor(random() * ${last.length})::int] end l
           from generate_series(1, ${PEOPLE}) i) x`,
    [ws, owner.userId],
  );
  log(`people: ${t.ms} ms`);
  t = await q(
    `insert into person_emails (workspace_id, person_id, email, type, is_primary, position)
     select workspace_id, person_id, lower(first_name) || '.' || lower(last_name) || (row_number() over ())::text || '@' ||
            (array['gmail.com','outlook.com','online.no','example.org'])[1 + (hashtext(person_id::text) & 3)], 'work', true, 0
     from people where workspace_id = $1`,
    [ws],
  );
  log(`emails: ${t.ms} ms`);
  t = await q(
    `insert into person_phones (workspace_id, person_id, phone, type, is_primary, position)
     select workspace_id, person_id, '+47' || (40000000 + row_number() over ())::text, 'mobile', true, 0
     from people where workspace_id = $1`,
    [ws],
  );
  log(`phones: ${t.ms} ms`);
  // The index of the bulk, by the rules of search.terms.ts (ASCII names: lower case; an
  // email's local part splits into letter and digit runs; the domain without its TLD).
  t = await q(
    `insert into person_search_terms (workspace_id, term, person_id)
     select p.workspace_id, t.term, p.person_id from people p
     join person_emails e on e.workspace_id = p.workspace_id and e.person_id = p.person_id
     cross join lateral unnest(array[lower(p.first_name), lower(p.last_name),
        substring(split_part(e.email, '@', 1) from '[0-9]+$'),
        split_part(split_part(e.email, '@', 2), '.', 1)]) as t(term)
     where p.workspace_id = $1
     on conflict do nothing`,
    [ws],
  );
  log(`person postings: ${t.ms} ms`);
  t = await q(
    `insert into company_search_terms (workspace_id, term, company_id)
     select distinct c.workspace_id, t.term, c.company_id from companies c
     cross join lateral (select unnest(
        array(select m[1] from regexp_matches(lower(c.name), '([a-z]+|[0-9]+)', 'g') m) ||
        array(select m[1] from regexp_matches(split_part(c.domain, '.', 1), '([a-z]+|[0-9]+)', 'g') m)) as term) t
     where c.workspace_id = $1`,
    [ws],
  );
  log(`company postings: ${t.ms} ms`);
  t = await q(
    `insert into search_words (workspace_id, word, gram)
     select distinct $1::uuid, w.term, substr('  ' || w.term || ' ', g, 3)
     from (select term from person_search_terms where workspace_id = $1 union select term from company_search_terms where workspace_id = $1) w
     cross join lateral generate_series(1, length(w.term) + 1) g
     where w.term !~ '^[0-9]+$'`,
    [ws],
  );
  log(`vocabulary: ${t.ms} ms`);
  await client.query('analyze');

  const sizes = await q(
    `select relname, pg_size_pretty(pg_total_relation_size(relid)) size, n_live_tup from pg_stat_user_tables
     where relname in ('people','person_emails','person_phones','person_search_terms','company_search_terms','search_words','companies')
     order by relname`,
  );
  for (const r of sizes.rows) log(`size ${r.relname}: ${r.size}`);
  const vocab = await q(`select count(distinct word)::int n from search_words where workspace_id = $1`, [ws]);
  log(`distinct words: ${vocab.rows[0].n}`);

  // The SQL-built index must agree with the application's rules: reindexing a sample changes nothing.
  const sample = await q(`select person_id::text id from people where workspace_id = $1 order by random() limit 500`, [
    ws,
  ]);
  const sampleIds = sample.rows.map((r) => r.id as string);
  const changed = await withTenant(env.services.database.db, { workspaceId: ws }, (tx) =>
    reindexRecords(tx, ws, 'person', sampleIds),
  );
  log(`reindex of 500 SQL-indexed people: added ${changed.added}, removed ${changed.removed}`);
  expect(changed).toEqual({ added: 0, removed: 0 });

  // A known person to look for.
  const john = await createPerson(env.services, owner, {
    firstName: 'John',
    lastName: 'Smith',
    emails: [{ value: 'john.smith@northwind.example', type: 'work', primary: true }],
    phones: [{ value: '+47 912 34 567', type: 'mobile', primary: true }],
    tags: [],
    subjectCategories: [],
    companies: [],
  } as never);

  const queries: [string, string][] = [
    ['typo, two words', 'jonh smiht'],
    ['exact full name', 'john smith'],
    ['common last name', 'hansen'],
    ['common first name', 'john'],
    ['one letter', 'j'],
    ['two letters', 'jo'],
    ['typo, one word', 'johansn'],
    ['rare generated last name', 'bergdal'],
    ['phone, national with spaces', '912 34 567'],
    ['phone, partial digits', '4000 12'],
    ['phone, E.164', '+4791234567'],
    ['email prefix', 'john.smith@north'],
    ['company', 'acme'],
    ['company typo', 'akme'],
    ['no match', 'xylophone'],
  ];
  log('');
  log('| query | | owner ms | member ms | top result |');
  log('|---|---|---|---|---|');
  for (const [label, text] of queries) {
    const run = (actor: Actor) => () => search(env.services, actor, { q: text, limit: 10 });
    const top = (await run(owner)()).items[0];
    const ms = await timeIt(run(owner));
    const mm = await timeIt(run(member));
    log(`| ${label} | \`${text}\` | ${ms} | ${mm} | ${top ? `${top.title} (${top.matchedField})` : '—'} |`);
  }
  const typo = await search(env.services, owner, { q: 'jonh smiht', limit: 10 });
  expect(typo.items.map((i) => i.id)).toContain(john.id);

  // Write overhead: reindexRecords for one person (the extra work of each create or update),
  // and per person in batches of 1,000 (imports, the backfill).
  const one = sampleIds.slice(0, 50);
  const clear = (ids: string[]) =>
    withTenant(env.services.database.db, { workspaceId: ws }, (tx) =>
      tx.execute(
        sql`delete from person_search_terms where workspace_id = ${ws} and person_id = any(${`{${ids.join(',')}}`}::uuid[])`,
      ),
    );
  await clear(one);
  const singles: number[] = [];
  for (const id of one) {
    const t0 = performance.now();
    await withTenant(env.services.database.db, { workspaceId: ws }, (tx) => reindexRecords(tx, ws, 'person', [id]));
    singles.push(performance.now() - t0);
  }
  const unchanged: number[] = [];
  for (const id of one) {
    const t0 = performance.now();
    await withTenant(env.services.database.db, { workspaceId: ws }, (tx) => reindexRecords(tx, ws, 'person', [id]));
    unchanged.push(performance.now() - t0);
  }
  const batch = (
    await q(`select person_id::text id from people where workspace_id = $1 order by random() limit 1000`, [ws])
  ).rows.map((r) => r.id as string);
  await clear(batch);
  const tb = performance.now();
  await withTenant(env.services.database.db, { workspaceId: ws }, (tx) => reindexRecords(tx, ws, 'person', batch));
  const batchMs = performance.now() - tb;
  log('');
  log(`reindex one person (new postings, own transaction): median ${median(singles).toFixed(1)} ms`);
  log(`reindex one person (nothing changed): median ${median(unchanged).toFixed(1)} ms`);
  log(`reindex 1,000 people in one call: ${batchMs.toFixed(0)} ms (${(batchMs / 1000).toFixed(2)} ms a person)`);

  // Dashboard: 200,000 deals in the default pipeline, three currencies, 10 % private.
  const pipeline = (await listPipelines(env.services, owner)).items[0];
  if (!pipeline) throw new Error('no pipeline');
  const stageIds = pipeline.stages.map((s) => s.id);
  const kinds = pipeline.stages.map((s) => s.kind);
  t = await q(
    `insert into deals (workspace_id, deal_id, pipeline_id, stage_id, name, amount, currency, owner_id, visibility, status, closed_at, created_at, updated_at)
     select $1::uuid, gen_random_uuid(), $2::uuid, st, 'Deal ' || i, (random() * 1000000)::bigint * 100,
            (array['NOK','EUR','USD'])[1 + i % 3], $3::uuid, case when i % 10 = 0 then 'private' else 'workspace' end,
            k, case when k = 'open' then null else now() - (random() * interval '420 days') end, now(), now()
     from (select i, ($4::uuid[])[1 + i % ${stageIds.length}] st, ($5::text[])[1 + i % ${stageIds.length}] k from generate_series(1, ${DEALS}) i) x`,
    [ws, pipeline.id, owner.userId, `{${stageIds.join(',')}}`, `{${kinds.join(',')}}`],
  );
  log('');
  log(`deals: ${DEALS} in ${t.ms} ms`);
  await client.query('analyze deals');
  const pd = await timeIt(() => pipelineDashboard(env.services, owner, pipeline.id));
  const pdm = await timeIt(() => pipelineDashboard(env.services, member, pipeline.id));
  const wl = await timeIt(() => wonLost(env.services, owner, { months: 12 }));
  const wlm = await timeIt(() => wonLost(env.services, member, { months: 12 }));
  log(`dashboard pipeline (value by stage): owner ${pd} ms, member ${pdm} ms`);
  log(`dashboard won/lost (12 months): owner ${wl} ms, member ${wlm} ms`);
  const plan = await withTenant(env.services.database.db, { workspaceId: ws }, async (tx) => {
    const r = await tx.execute(
      sql`explain select stage_id, currency, sum(amount), count(*) from deals where workspace_id = ${ws} and pipeline_id = ${pipeline.id} and deleted_at is null and status = 'open' group by 1, 2`,
    );
    return (r as unknown as { rows: Record<string, string>[] }).rows.map((x) => Object.values(x)[0]).join('\n');
  });
  log(`plan (as tillit_app):\n${plan}`);
  console.log(`\n\n${lines.join('\n')}`);
});
