import { sql } from 'drizzle-orm';
import { bigint, date, foreignKey, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ctext, tsMs as ts } from './columns.ts';
import { companies, people, RECORD_VISIBILITIES } from './people.schema.ts';
import { teams, workspaces } from './workspaces.schema.ts';

export const STAGE_KINDS = ['open', 'won', 'lost'] as const;

export const pipelines = declareTable(
  pgTable(
    'pipelines',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      pipelineId: uuid('pipeline_id').notNull(),
      name: text('name').notNull(),
      position: integer('position').notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.pipelineId] })],
  ),
  {
    description: 'Sales pipelines of a workspace (P-CRM-3)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      pipelineId: notPersonal(),
      name: notPersonal(),
      position: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const pipelineStages = declareTable(
  pgTable(
    'pipeline_stages',
    {
      workspaceId: uuid('workspace_id').notNull(),
      stageId: uuid('stage_id').notNull(),
      pipelineId: uuid('pipeline_id').notNull(),
      name: text('name').notNull(),
      position: integer('position').notNull(),
      kind: text('kind', { enum: STAGE_KINDS }).notNull().default('open'),
      probability: integer('probability').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.stageId] }),
      foreignKey({
        columns: [t.workspaceId, t.pipelineId],
        foreignColumns: [pipelines.workspaceId, pipelines.pipelineId],
      }).onDelete('cascade'),
      index('pipeline_stages_pipeline_idx').on(t.workspaceId, t.pipelineId, t.position),
    ],
  ),
  {
    description: 'The ordered stages of each pipeline (open, won, lost)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      stageId: notPersonal(),
      pipelineId: notPersonal(),
      name: notPersonal(),
      position: notPersonal(),
      kind: notPersonal(),
      probability: notPersonal(),
    },
  },
);

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;

export const deals = declareTable(
  pgTable(
    'deals',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      dealId: uuid('deal_id').notNull(),
      pipelineId: uuid('pipeline_id').notNull(),
      stageId: uuid('stage_id').notNull(),
      name: text('name').notNull(),
      nameKey: ctext('name_key').generatedAlwaysAs(sql`lower(name)`),
      /** Integer minor units. */
      amount: bigint('amount', { mode: 'number' }).notNull().default(0),
      currency: text('currency').notNull(),
      expectedCloseDate: date('expected_close_date', { mode: 'string' }),
      /** The key of sort 'expectedCloseDate': no date sorts as the latest date. */
      closeKey: date('close_key', { mode: 'string' }).generatedAlwaysAs(
        sql`coalesce(expected_close_date, '9999-12-31'::date)`,
      ),
      probability: integer('probability'),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      companyId: uuid('company_id'),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      status: text('status', { enum: DEAL_STATUSES }).notNull().default('open'),
      closedAt: ts('closed_at'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.dealId] }),
      foreignKey({
        columns: [t.workspaceId, t.pipelineId],
        foreignColumns: [pipelines.workspaceId, pipelines.pipelineId],
      }),
      // No action: a stage that holds deals (in the trash too) cannot be deleted.
      foreignKey({
        columns: [t.workspaceId, t.stageId],
        foreignColumns: [pipelineStages.workspaceId, pipelineStages.stageId],
      }),
      // SET NULL (company_id) / (team_id): the migration names the column (drizzle-kit cannot).
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('set null'),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      // Keyset sorts within a pipeline, live deals only.
      index('deals_name_idx').on(t.workspaceId, t.pipelineId, t.nameKey, t.dealId).where(sql`deleted_at is null`),
      index('deals_created_idx').on(t.workspaceId, t.pipelineId, t.createdAt, t.dealId).where(sql`deleted_at is null`),
      index('deals_updated_idx').on(t.workspaceId, t.pipelineId, t.updatedAt, t.dealId).where(sql`deleted_at is null`),
      index('deals_amount_idx').on(t.workspaceId, t.pipelineId, t.amount, t.dealId).where(sql`deleted_at is null`),
      index('deals_close_idx').on(t.workspaceId, t.pipelineId, t.closeKey, t.dealId).where(sql`deleted_at is null`),
      // Sorts stage (one stage at a time, by id), probability, status, currency then amount
      // and closedAt: the same expressions as SORTS in deals.service.ts.
      index('deals_stage_sort_idx').on(t.workspaceId, t.stageId, t.dealId).where(sql`deleted_at is null`),
      index('deals_probability_idx')
        .on(t.workspaceId, t.pipelineId, sql`coalesce(probability, -1)`, t.dealId)
        .where(sql`deleted_at is null`),
      index('deals_status_sort_idx')
        .on(t.workspaceId, t.pipelineId, sql`(case status when 'open' then 0 when 'won' then 1 else 2 end)`, t.dealId)
        .where(sql`deleted_at is null`),
      index('deals_currency_idx')
        .on(t.workspaceId, t.pipelineId, t.currency, t.amount, t.dealId)
        .where(sql`deleted_at is null`),
      index('deals_closed_at_idx')
        .on(t.workspaceId, t.pipelineId, sql`coalesce(closed_at, 'infinity'::timestamptz)`, t.dealId)
        .where(sql`deleted_at is null`),
      // A board column (stage filter, updatedAt desc).
      index('deals_stage_updated_idx')
        .on(t.workspaceId, t.stageId, t.updatedAt, t.dealId)
        .where(sql`deleted_at is null`),
      index('deals_owner_idx').on(t.workspaceId, t.ownerId),
      // Sort 'owner': each owner's live deals of a pipeline by id (ownerSortedPage).
      index('deals_owner_sort_idx').on(t.workspaceId, t.pipelineId, t.ownerId, t.dealId).where(sql`deleted_at is null`),
      index('deals_company_idx').on(t.workspaceId, t.companyId),
      index('deals_deleted_idx').on(t.workspaceId, t.deletedAt, t.dealId).where(sql`deleted_at is not null`),
      // The dashboard: open value by stage and currency, won and lost by month (index-only).
      index('deals_open_stage_idx')
        .on(t.workspaceId, t.pipelineId, t.stageId, t.currency, t.amount)
        .where(sql`deleted_at is null and status = 'open'`),
      index('deals_closed_idx')
        .on(t.workspaceId, t.closedAt, t.status, t.currency, t.amount)
        .where(sql`deleted_at is null and closed_at is not null`),
    ],
  ),
  {
    description: 'Deals (opportunities) moving through the stages of a pipeline (P-CRM-3)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      dealId: notPersonal(),
      pipelineId: notPersonal(),
      stageId: notPersonal(),
      name: notPersonal('the name of a business opportunity'),
      nameKey: notPersonal(),
      amount: notPersonal(),
      currency: notPersonal(),
      expectedCloseDate: notPersonal(),
      closeKey: notPersonal(),
      probability: notPersonal(),
      ownerId: personal('user.account.identifier', 'the member who owns the deal (a user of the service)'),
      companyId: notPersonal(),
      visibility: notPersonal(),
      teamId: notPersonal(),
      status: notPersonal(),
      closedAt: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the deal is in the trash'),
    },
  },
);

/** The people a deal is with, one row each. */
export const dealPeople = declareTable(
  pgTable(
    'deal_people',
    {
      workspaceId: uuid('workspace_id').notNull(),
      dealId: uuid('deal_id').notNull(),
      personId: uuid('person_id').notNull(),
      position: integer('position').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.dealId, t.personId] }),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('deal_people_person_idx').on(t.workspaceId, t.personId, t.dealId),
    ],
  ),
  {
    description: 'Which people a deal is with',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      dealId: personal('user.relationship', 'a deal the person takes part in'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
      position: notPersonal(),
    },
  },
);

/** Every stage a deal entered, the creation included (P-CRM-3). Stage ids are kept as they
 *  were (no foreign key): a stage deleted later leaves its history. */
export const dealStageHistory = declareTable(
  pgTable(
    'deal_stage_history',
    {
      workspaceId: uuid('workspace_id').notNull(),
      entryId: uuid('entry_id').notNull(),
      dealId: uuid('deal_id').notNull(),
      stageId: uuid('stage_id').notNull(),
      fromStageId: uuid('from_stage_id'),
      movedAt: ts('moved_at').notNull(),
      movedBy: uuid('moved_by').references(() => users.id, { onDelete: 'set null' }),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.entryId] }),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      index('deal_stage_history_deal_idx').on(t.workspaceId, t.dealId, t.movedAt),
    ],
  ),
  {
    description: 'The stages each deal went through, when and by whom',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      entryId: notPersonal(),
      dealId: notPersonal(),
      stageId: notPersonal(),
      fromStageId: notPersonal(),
      movedAt: notPersonal(),
      movedBy: personal('user.account.identifier', 'the member who moved the deal (a user of the service)'),
    },
  },
);
