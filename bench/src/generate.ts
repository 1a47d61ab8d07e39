import { writeConsents } from './consents.ts';
import { type CopyTarget, csvRow } from './copy-target.ts';
import { CITIES, COMPANY_SUFFIXES, COMPANY_WORDS, FIRST_NAMES, INDUSTRIES, LAST_NAMES, TAGS, TITLES } from './names.ts';
import { createRng, type Rng, uuid7 } from './rng.ts';
import { writeSearchIndex } from './search-index.ts';

/**
 * The benchmark data set, written with COPY into a workspace that the real server created
 * (first run), so that every row is what the application itself would read. Deterministic:
 * the same seed and scale give the same rows.
 */
export type Scale = {
  people: number;
  companies: number;
  deals: number;
  timeline: number;
  tasks: number;
  /** Rows of the CSV the import workload imports (beside COPY of the same file). */
  importRows: number;
  /** Expired rows the retention workload purges (beside a bare DELETE of the same rows). */
  retentionRows: number;
};

/** Issue 5's workspace: 1M people, 100k companies, 200k deals, 10M timeline entries (notes,
 *  calls, meetings and emails, each about one person), 500k tasks, and the consent ledger
 *  of 40 % of the people (consents.ts). */
export const FULL_SCALE: Scale = {
  people: 1_000_000,
  companies: 100_000,
  deals: 200_000,
  timeline: 10_000_000,
  tasks: 500_000,
  importRows: 1_000_000,
  retentionRows: 10_000_000,
};

export function scaled(divisor: number): Scale {
  const of = (n: number) => Math.max(1, Math.round(n / divisor));
  return {
    people: of(FULL_SCALE.people),
    companies: of(FULL_SCALE.companies),
    deals: of(FULL_SCALE.deals),
    timeline: of(FULL_SCALE.timeline),
    tasks: of(FULL_SCALE.tasks),
    importRows: of(FULL_SCALE.importRows),
    retentionRows: of(FULL_SCALE.retentionRows),
  };
}

export type GenerateInput = { workspaceId: string; ownerId: string; scale: Scale; seed?: number };

export type Generated = {
  /** A few ids and values the workloads ask for. */
  samplePersonIds: string[];
  /** Last names and email prefixes of sampled people, for the search workload. */
  sampleSearches: string[];
  /** People with the longest timelines (the generator skews entries towards the first
   *  people), for the per-person privacy workloads. */
  heavyPersonIds: string[];
  sampleCompanyId: string;
  counts: Record<string, number>;
};

const CHUNK = 10_000;
const START = Date.UTC(2023, 0, 1);
const SPAN = 3 * 365 * 24 * 3600 * 1000;
const CATEGORIES = ['client', 'prospect', 'supplier', 'correspondent', 'newsletter_subscriber'] as const;

function* chunked(total: number, row: (i: number) => string): Generator<string> {
  for (let start = 0; start < total; start += CHUNK) {
    const end = Math.min(total, start + CHUNK);
    let s = '';
    for (let i = start; i < end; i++) s += row(i);
    yield s;
  }
}

/** The time a generated record was made: spread over three years, increasing with `i`. */
function createdAt(i: number, total: number): number {
  return START + Math.floor((i / total) * SPAN);
}

function ids(seed: number, total: number): string[] {
  const rng = createRng(seed);
  const out = new Array<string>(total);
  for (let i = 0; i < total; i++) out[i] = uuid7(rng, createdAt(i, total));
  return out;
}

export async function generateWorkspaceData(target: CopyTarget, input: GenerateInput): Promise<Generated> {
  const { workspaceId: ws, ownerId, scale } = input;
  const seed = input.seed ?? 20261125;
  const counts: Record<string, number> = {};
  const iso = (ms: number) => new Date(ms).toISOString();

  // Companies.
  const companyIds = ids(seed + 1, scale.companies);
  {
    const rng = createRng(seed + 2);
    await target.copy(
      'companies',
      [
        'workspace_id',
        'company_id',
        'name',
        'domain',
        'org_number',
        'city',
        'country',
        'industry',
        'size',
        'owner_id',
        'created_at',
        'updated_at',
      ],
      chunked(scale.companies, (i) => {
        const word = `${rng.pick(COMPANY_WORDS)}${rng.pick(COMPANY_WORDS).toLowerCase()}`;
        const name = `${word} ${rng.pick(COMPANY_SUFFIXES)} ${i}`;
        const t = iso(createdAt(i, scale.companies));
        return csvRow([
          ws,
          companyIds[i],
          name,
          `${word.toLowerCase()}${i}.example`,
          String(900_000_000 + i),
          rng.pick(CITIES),
          'NO',
          rng.pick(INDUSTRIES),
          rng.pick(['1-10', '11-50', '51-200', '201-500'] as const),
          ownerId,
          t,
          t,
        ]);
      }),
    );
    counts.companies = scale.companies;
  }

  // People with one email, one phone, a category, sometimes a tag and a company.
  const personIds = ids(seed + 3, scale.people);
  const rng = createRng(seed + 4);
  const people: {
    first: string;
    last: string;
    company: number | null;
    tag: string | null;
    category: string;
    private: boolean;
  }[] = [];
  for (let i = 0; i < scale.people; i++) {
    people.push({
      first: rng.pick(FIRST_NAMES),
      last: rng.pick(LAST_NAMES),
      company: rng.chance(0.6) ? rng.int(scale.companies) : null,
      tag: rng.chance(0.3) ? rng.pick(TAGS) : null,
      category: rng.pick(CATEGORIES),
      private: rng.chance(0.05),
    });
  }
  const titles = createRng(seed + 5);
  await target.copy(
    'people',
    [
      'workspace_id',
      'person_id',
      'first_name',
      'last_name',
      'title',
      'city',
      'country',
      'owner_id',
      'source',
      'visibility',
      'created_at',
      'updated_at',
    ],
    chunked(scale.people, (i) => {
      const p = people[i] as (typeof people)[number];
      const t = iso(createdAt(i, scale.people));
      return csvRow([
        ws,
        personIds[i],
        p.first,
        p.last,
        titles.pick(TITLES),
        titles.pick(CITIES),
        'NO',
        ownerId,
        'import',
        p.private ? 'private' : 'workspace',
        t,
        t,
      ]);
    }),
  );
  counts.people = scale.people;
  const emailOf = (i: number) => {
    const p = people[i] as (typeof people)[number];
    const local = `${p.first}.${p.last}.${i}`
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9.]/g, '');
    return `${local}@mail${i % 50}.example`;
  };
  await target.copy(
    'person_emails',
    ['workspace_id', 'person_id', 'email', 'type', 'is_primary', 'position'],
    chunked(scale.people, (i) => csvRow([ws, personIds[i], emailOf(i), 'work', true, 0])),
  );
  await target.copy(
    'person_phones',
    ['workspace_id', 'person_id', 'phone', 'type', 'is_primary', 'position'],
    chunked(scale.people, (i) => csvRow([ws, personIds[i], `+479${String(i).padStart(7, '0')}`, 'mobile', true, 0])),
  );
  await target.copy(
    'person_categories',
    ['workspace_id', 'person_id', 'category'],
    chunked(scale.people, (i) => csvRow([ws, personIds[i], (people[i] as (typeof people)[number]).category])),
  );
  await target.copy(
    'person_tags',
    ['workspace_id', 'person_id', 'tag', 'position'],
    chunked(scale.people, (i) => {
      const tag = (people[i] as (typeof people)[number]).tag;
      return tag ? csvRow([ws, personIds[i], tag, 0]) : '';
    }),
  );
  await target.copy(
    'person_companies',
    ['workspace_id', 'person_id', 'company_id', 'role', 'created_at'],
    chunked(scale.people, (i) => {
      const c = (people[i] as (typeof people)[number]).company;
      return c === null ? '' : csvRow([ws, personIds[i], companyIds[c], null, iso(createdAt(i, scale.people))]);
    }),
  );

  // The consent ledger: marketing.email consents of 40 % of the people (given, withdrawn,
  // expired and given again), as privacy/consent writes them (consents.ts).
  const consents = await writeConsents(target, {
    workspaceId: ws,
    personIds,
    createdAt: (i) => createdAt(i, scale.people),
    emailOf,
    since: START,
    until: START + SPAN,
    seed: seed + 40,
  });
  counts.consents = consents.records;

  // Deals in the workspace's first pipeline, spread over its stages, each with its
  // creation in the stage history and one person.
  const stages = await target.query<{ stage_id: string; pipeline_id: string; kind: string }>(
    `select s.stage_id, s.pipeline_id, s.kind from pipeline_stages s
       join pipelines p on p.workspace_id = s.workspace_id and p.pipeline_id = s.pipeline_id
      where s.workspace_id = $1 order by p.position, s.position`,
    [ws],
  );
  const firstPipeline = stages[0]?.pipeline_id;
  const pipelineStages = stages.filter((s) => s.pipeline_id === firstPipeline);
  if (pipelineStages.length > 0) {
    const dealIds = ids(seed + 6, scale.deals);
    const drng = createRng(seed + 7);
    const deals = dealIds.map((id, i) => ({
      id,
      stage: drng.pick(pipelineStages),
      amount: (1 + drng.int(500)) * 1000_00,
      company: drng.chance(0.8) ? companyIds[drng.int(scale.companies)] : null,
      person: personIds[drng.int(scale.people)] as string,
      at: createdAt(i, scale.deals),
    }));
    await target.copy(
      'deals',
      [
        'workspace_id',
        'deal_id',
        'pipeline_id',
        'stage_id',
        'name',
        'amount',
        'currency',
        'expected_close_date',
        'owner_id',
        'company_id',
        'status',
        'closed_at',
        'created_at',
        'updated_at',
      ],
      chunked(scale.deals, (i) => {
        const d = deals[i] as (typeof deals)[number];
        const closed = d.stage.kind !== 'open';
        return csvRow([
          ws,
          d.id,
          firstPipeline,
          d.stage.stage_id,
          `Deal ${i}`,
          d.amount,
          'NOK',
          new Date(d.at + 60 * 24 * 3600 * 1000).toISOString().slice(0, 10),
          ownerId,
          d.company,
          d.stage.kind,
          closed ? iso(d.at + 30 * 24 * 3600 * 1000) : null,
          iso(d.at),
          iso(d.at),
        ]);
      }),
    );
    await target.copy(
      'deal_people',
      ['workspace_id', 'deal_id', 'person_id', 'position'],
      chunked(scale.deals, (i) => {
        const d = deals[i] as (typeof deals)[number];
        return csvRow([ws, d.id, d.person, 0]);
      }),
    );
    const hrng = createRng(seed + 8);
    await target.copy(
      'deal_stage_history',
      ['workspace_id', 'entry_id', 'deal_id', 'stage_id', 'from_stage_id', 'moved_at', 'moved_by'],
      chunked(scale.deals, (i) => {
        const d = deals[i] as (typeof deals)[number];
        return csvRow([ws, uuid7(hrng, d.at), d.id, d.stage.stage_id, null, iso(d.at), ownerId]);
      }),
    );
    counts.deals = scale.deals;
  }

  // The timeline: 40 % notes, 60 % interactions (calls, meetings, emails), each about one
  // person (a few people have many entries, most have some), over three years. Ten million
  // ids would not fit comfortably in memory, so each table's pass re-derives its rows from
  // the same seeds (`entries`), in the same order: the link rows match their records.
  {
    const notesTotal = Math.round(scale.timeline * 0.4);
    const interactionsTotal = scale.timeline - notesTotal;
    /** The i-th entry of a series, deterministic per (seed, pass order). */
    const entries = (s: number, total: number) => {
      const idRng = createRng(s);
      const personRng = createRng(s + 1);
      const detailRng = createRng(s + 2);
      return (i: number) => ({
        id: uuid7(idRng, createdAt(i, total)),
        person: personIds[Math.floor(scale.people * personRng.next() ** 2)] as string,
        at: iso(createdAt(i, total)),
        detail: detailRng,
      });
    };
    let note = entries(seed + 10, notesTotal);
    await target.copy(
      'notes',
      ['workspace_id', 'note_id', 'author_id', 'body_html', 'body_text', 'created_at', 'updated_at'],
      chunked(notesTotal, (i) => {
        const e = note(i);
        const text = `Talked about ${e.detail.pick(TAGS)} and next steps (${i}).`;
        return csvRow([ws, e.id, ownerId, `<p>${text}</p>`, text, e.at, e.at]);
      }),
    );
    note = entries(seed + 10, notesTotal);
    await target.copy(
      'note_people',
      ['workspace_id', 'note_id', 'person_id', 'occurred_at'],
      chunked(notesTotal, (i) => {
        const e = note(i);
        e.detail.pick(TAGS); // the same draws as the first pass
        return csvRow([ws, e.id, e.person, e.at]);
      }),
    );
    counts.notes = notesTotal;
    const KINDS = ['email', 'meeting', 'call'] as const;
    let interaction = entries(seed + 20, interactionsTotal);
    await target.copy(
      'interactions',
      [
        'workspace_id',
        'interaction_id',
        'kind',
        'direction',
        'occurred_at',
        'duration_seconds',
        'subject',
        'owner_id',
        'created_at',
        'updated_at',
      ],
      chunked(interactionsTotal, (i) => {
        const e = interaction(i);
        const kind = e.detail.pick(KINDS);
        return csvRow([
          ws,
          e.id,
          kind,
          kind === 'meeting' ? null : i % 2 ? 'in' : 'out',
          e.at,
          kind === 'email' ? null : 60 + (i % 3600),
          `${kind === 'email' ? 'Re: ' : ''}${TAGS[i % TAGS.length]} ${i}`,
          ownerId,
          e.at,
          e.at,
        ]);
      }),
    );
    interaction = entries(seed + 20, interactionsTotal);
    await target.copy(
      'interaction_people',
      ['workspace_id', 'interaction_id', 'person_id', 'occurred_at'],
      chunked(interactionsTotal, (i) => {
        const e = interaction(i);
        e.detail.pick(KINDS);
        return csvRow([ws, e.id, e.person, e.at]);
      }),
    );
    counts.interactions = interactionsTotal;
  }

  // Tasks, each about one person; a third done. Two passes, as above.
  {
    const task = () => {
      const idRng = createRng(seed + 30);
      const rng = createRng(seed + 31);
      return (i: number) => ({
        id: uuid7(idRng, createdAt(i, scale.tasks)),
        person: personIds[rng.int(scale.people)] as string,
        at: createdAt(i, scale.tasks),
        done: rng.chance(0.33),
      });
    };
    let next = task();
    await target.copy(
      'tasks',
      [
        'workspace_id',
        'task_id',
        'title',
        'due_at',
        'assignee_id',
        'status',
        'completed_at',
        'created_by',
        'created_at',
        'updated_at',
      ],
      chunked(scale.tasks, (i) => {
        const t = next(i);
        return csvRow([
          ws,
          t.id,
          `Follow up ${i}`,
          iso(t.at + 7 * 24 * 3600 * 1000),
          ownerId,
          t.done ? 'done' : 'open',
          t.done ? iso(t.at + 3 * 24 * 3600 * 1000) : null,
          ownerId,
          iso(t.at),
          iso(t.at),
        ]);
      }),
    );
    next = task();
    await target.copy(
      'task_people',
      ['workspace_id', 'task_id', 'person_id'],
      chunked(scale.tasks, (i) => {
        const t = next(i);
        return csvRow([ws, t.id, t.person]);
      }),
    );
    counts.tasks = scale.tasks;
  }

  // The global search's index (postings and vocabulary), as the server's indexer would write it.
  const index = await writeSearchIndex(target, ws);
  counts.searchPostings = index.postings;

  const sample = createRng(seed + 9);
  const samplePersonIds: string[] = [];
  const sampleSearches: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const k = sample.int(scale.people);
    const p = people[k] as (typeof people)[number];
    if (p.private) continue;
    samplePersonIds.push(personIds[k] as string);
    // A last name, a last name with a typo (two letters swapped), a full name, an email prefix.
    const typo = p.last.length > 3 ? `${p.last.slice(0, 1)}${p.last[2]}${p.last[1]}${p.last.slice(3)}` : p.last;
    sampleSearches.push(
      [p.last, typo, `${p.first} ${p.last}`, `${p.first.toLowerCase()}.${p.last.toLowerCase()}`][i % 4] as string,
    );
  }
  const heavyPersonIds: string[] = [];
  for (let k = 0; k < scale.people && heavyPersonIds.length < 20; k++) {
    if (!(people[k] as (typeof people)[number]).private) heavyPersonIds.push(personIds[k] as string);
  }
  return { samplePersonIds, sampleSearches, heavyPersonIds, sampleCompanyId: companyIds[0] as string, counts };
}

/** The part of `describeScale` the generated data set depends on (the import's file and the
 *  retention's rows are written by their workloads, so a kept data set serves any of those). */
export function describeData(scale: Scale): string {
  return describeScale(scale).split('; import ')[0] as string;
}

export function describeScale(scale: Scale): string {
  return `${scale.people} people, ${scale.companies} companies, ${scale.deals} deals, ${scale.timeline} timeline entries, ${scale.tasks} tasks, consents of 40 % of the people; import ${scale.importRows} rows; retention ${scale.retentionRows} expired rows`;
}

export type { Rng };
