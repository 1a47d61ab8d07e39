import { foreignKey, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { ctext, tsMs as ts } from './columns.ts';
import { companies, people } from './people.schema.ts';
import { workspaces } from './workspaces.schema.ts';

/**
 * The global search index (issue 3). Under FORCE ROW LEVEL SECURITY PostgreSQL will not use
 * pg_trgm's operators (not leakproof) in an index condition, so the typo tolerance is built
 * from plain btree look-ups with `=` / `= any(...)`:
 *
 * - `search_words`: the vocabulary of the workspace, one row per (word, trigram). A typo'd
 *   query word finds the words that share its trigrams (the vocabulary is far smaller than
 *   the records: "  j" matches a few thousand words, not a hundred thousand people).
 * - `person_search_terms` / `company_search_terms`: word → record postings. Two tables, not
 *   one with a kind column, so each can have its foreign key (a purged record takes its
 *   postings along) and the people's table can name its data subject.
 * - `search_index_state`: how far the backfill job got per workspace and kind.
 */
export const searchWords = declareTable(
  pgTable(
    'search_words',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      word: ctext('word').notNull(),
      gram: ctext('gram').notNull(),
    },
    (t) => [
      // Prefix look-ups of words (`word >= 'smi' and word < 'smj'`) and the clean-up of words
      // no record uses any more.
      primaryKey({ columns: [t.workspaceId, t.word, t.gram] }),
      // Fuzzy look-ups: `gram = any($grams)`.
      index('search_words_gram_idx').on(t.workspaceId, t.gram, t.word),
    ],
  ),
  {
    description: 'Search vocabulary: the words of names, emails and companies with their trigrams',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      word: personal('user.name', 'a word of a name, email or company name, without the record it came from'),
      gram: personal('user.name', 'three letters of such a word'),
    },
  },
);

export const personSearchTerms = declareTable(
  pgTable(
    'person_search_terms',
    {
      workspaceId: uuid('workspace_id').notNull(),
      term: ctext('term').notNull(),
      personId: uuid('person_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.term, t.personId] }),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      // Re-indexing a record deletes its postings.
      index('person_search_terms_person_idx').on(t.workspaceId, t.personId),
    ],
  ),
  {
    description: 'Search postings: which person has which word in their name or emails',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      term: personal('user.name', 'a word of the name or of an email address'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
    },
  },
);

export const companySearchTerms = declareTable(
  pgTable(
    'company_search_terms',
    {
      workspaceId: uuid('workspace_id').notNull(),
      term: ctext('term').notNull(),
      companyId: uuid('company_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.term, t.companyId] }),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('company_search_terms_company_idx').on(t.workspaceId, t.companyId),
    ],
  ),
  {
    description: 'Search postings: which company has which word in its name or domain',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      term: notPersonal('a word of an organisation name or domain'),
      companyId: notPersonal(),
    },
  },
);

export const searchIndexState = declareTable(
  pgTable(
    'search_index_state',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      kind: text('kind', { enum: ['person', 'company'] }).notNull(),
      /** The version of the term rules the index was built with; a new one rebuilds. */
      version: integer('version').notNull(),
      /** The last record id indexed by the backfill (ids are indexed in order). */
      lastId: uuid('last_id'),
      completedAt: ts('completed_at'),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.kind] })],
  ),
  {
    description: 'How far the search backfill job got in each workspace',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      kind: notPersonal(),
      version: notPersonal(),
      lastId: personal('user.account.identifier', 'a record id, kept only as the resume point'),
      completedAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);
