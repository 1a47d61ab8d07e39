import { sql } from 'drizzle-orm';
import { date, foreignKey, index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ctext, tsMs as ts } from './columns.ts';
import { deals } from './deals.schema.ts';
import { companies, people, RECORD_VISIBILITIES } from './people.schema.ts';
import { members, teams, workspaces } from './workspaces.schema.ts';

// Tasks, projects and in-app notifications (issue 3, P-CRM-4). Every key leads with
// workspace_id; links to people, companies and deals are one table each, so that a purge of
// the linked record drops the link (cascade) and a lookup by linked record is one index.

export const PROJECT_STATUSES = ['planned', 'active', 'on_hold', 'done', 'cancelled'] as const;

export const projects = declareTable(
  pgTable(
    'projects',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      projectId: uuid('project_id').notNull(),
      name: text('name').notNull(),
      nameKey: ctext('name_key').generatedAlwaysAs(sql`lower(name)`),
      description: text('description').notNull().default(''),
      status: text('status', { enum: PROJECT_STATUSES }).notNull().default('planned'),
      startDate: date('start_date', { mode: 'string' }),
      endDate: date('end_date', { mode: 'string' }),
      ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'set null' }),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.projectId] }),
      // SET NULL (team_id): the migration names the column (drizzle-kit cannot).
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      index('projects_name_idx').on(t.workspaceId, t.nameKey, t.projectId).where(sql`deleted_at is null`),
      index('projects_created_idx').on(t.workspaceId, t.createdAt, t.projectId).where(sql`deleted_at is null`),
      index('projects_updated_idx').on(t.workspaceId, t.updatedAt, t.projectId).where(sql`deleted_at is null`),
      index('projects_owner_idx').on(t.workspaceId, t.ownerId),
      index('projects_deleted_idx').on(t.workspaceId, t.deletedAt, t.projectId).where(sql`deleted_at is not null`),
    ],
  ),
  {
    description: 'Projects: work with members, tasks, companies and deals (P-CRM-4)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      projectId: notPersonal(),
      name: notPersonal('the name of a piece of work'),
      nameKey: notPersonal(),
      description: personal('user.content.note', 'free text, which may mention people'),
      status: notPersonal(),
      startDate: notPersonal(),
      endDate: notPersonal(),
      ownerId: personal('user.account.identifier', 'the member who owns the project (a user of the service)'),
      visibility: notPersonal(),
      teamId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the project is in the trash'),
    },
  },
);

/** The workspace members working on a project; leaving the workspace leaves the project. */
export const projectMembers = declareTable(
  pgTable(
    'project_members',
    {
      workspaceId: uuid('workspace_id').notNull(),
      projectId: uuid('project_id').notNull(),
      userId: uuid('user_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.projectId, t.userId] }),
      foreignKey({
        columns: [t.workspaceId, t.projectId],
        foreignColumns: [projects.workspaceId, projects.projectId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.userId],
        foreignColumns: [members.workspaceId, members.userId],
      }).onDelete('cascade'),
      index('project_members_user_idx').on(t.workspaceId, t.userId, t.projectId),
    ],
  ),
  {
    description: 'Which members work on a project',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      projectId: notPersonal(),
      userId: personal('user.account.identifier', 'a member working on the project (a user of the service)'),
    },
  },
);

export const projectCompanies = declareTable(
  pgTable(
    'project_companies',
    {
      workspaceId: uuid('workspace_id').notNull(),
      projectId: uuid('project_id').notNull(),
      companyId: uuid('company_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.projectId, t.companyId] }),
      foreignKey({
        columns: [t.workspaceId, t.projectId],
        foreignColumns: [projects.workspaceId, projects.projectId],
      }).onDelete('cascade'),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('project_companies_company_idx').on(t.workspaceId, t.companyId, t.projectId),
    ],
  ),
  {
    description: 'Which companies a project is for',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { workspaceId: notPersonal(), projectId: notPersonal(), companyId: notPersonal() },
  },
);

export const projectDeals = declareTable(
  pgTable(
    'project_deals',
    {
      workspaceId: uuid('workspace_id').notNull(),
      projectId: uuid('project_id').notNull(),
      dealId: uuid('deal_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.projectId, t.dealId] }),
      foreignKey({
        columns: [t.workspaceId, t.projectId],
        foreignColumns: [projects.workspaceId, projects.projectId],
      }).onDelete('cascade'),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      index('project_deals_deal_idx').on(t.workspaceId, t.dealId, t.projectId),
    ],
  ),
  {
    description: 'Which deals a project belongs to',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { workspaceId: notPersonal(), projectId: notPersonal(), dealId: notPersonal() },
  },
);

export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export const tasks = declareTable(
  pgTable(
    'tasks',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      taskId: uuid('task_id').notNull(),
      title: text('title').notNull(),
      description: text('description').notNull().default(''),
      dueAt: ts('due_at'),
      /** The key of sort 'dueAt': no due date sorts as the latest time, so the keyset never meets a NULL. */
      dueKey: ts('due_key').generatedAlwaysAs(sql`coalesce(due_at, '9999-12-31 00:00:00+00'::timestamptz)`),
      assigneeId: uuid('assignee_id'),
      status: text('status', { enum: TASK_STATUSES }).notNull().default('open'),
      completedAt: ts('completed_at'),
      priority: text('priority', { enum: TASK_PRIORITIES }).notNull().default('normal'),
      /** The creator: owns the task for visibility (people.policy's ownerId). */
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      projectId: uuid('project_id'),
      remindAt: ts('remind_at'),
      /** Set, in the transaction that writes the notification, when the reminder went out. */
      reminderSentAt: ts('reminder_sent_at'),
      visibility: text('visibility', { enum: RECORD_VISIBILITIES }).notNull().default('workspace'),
      teamId: uuid('team_id'),
      createdAt: ts('created_at').notNull().defaultNow(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
      deletedAt: ts('deleted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.taskId] }),
      // SET NULL (assignee_id) / (project_id) / (team_id): the migration names the column.
      foreignKey({
        columns: [t.workspaceId, t.assigneeId],
        foreignColumns: [members.workspaceId, members.userId],
      }).onDelete('set null'),
      foreignKey({
        columns: [t.workspaceId, t.projectId],
        foreignColumns: [projects.workspaceId, projects.projectId],
      }).onDelete('set null'),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
      // Keyset sorts over the live tasks, alone and under the assignee ("my tasks") or project.
      index('tasks_due_idx').on(t.workspaceId, t.dueKey, t.taskId).where(sql`deleted_at is null`),
      index('tasks_created_idx').on(t.workspaceId, t.createdAt, t.taskId).where(sql`deleted_at is null`),
      index('tasks_updated_idx').on(t.workspaceId, t.updatedAt, t.taskId).where(sql`deleted_at is null`),
      index('tasks_assignee_due_idx')
        .on(t.workspaceId, t.assigneeId, t.dueKey, t.taskId)
        .where(sql`deleted_at is null`),
      index('tasks_project_due_idx').on(t.workspaceId, t.projectId, t.dueKey, t.taskId).where(sql`deleted_at is null`),
      index('tasks_created_by_idx').on(t.workspaceId, t.createdBy),
      // The reminder job: reminders not yet sent, per workspace, by time.
      index('tasks_remind_idx')
        .on(t.workspaceId, t.remindAt, t.taskId)
        .where(sql`remind_at is not null and reminder_sent_at is null and deleted_at is null`),
      index('tasks_deleted_idx').on(t.workspaceId, t.deletedAt, t.taskId).where(sql`deleted_at is not null`),
    ],
  ),
  {
    description: 'Tasks: to-dos with a due time, an assignee and a reminder (P-CRM-4)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      taskId: notPersonal(),
      title: personal('user.content.note', 'free text, which may mention people'),
      description: personal('user.content.note', 'free text, which may mention people'),
      dueAt: notPersonal(),
      dueKey: notPersonal(),
      assigneeId: personal('user.account.identifier', 'the member the task is for (a user of the service)'),
      status: notPersonal(),
      completedAt: notPersonal(),
      priority: notPersonal(),
      createdBy: personal('user.account.identifier', 'the member who created the task (a user of the service)'),
      projectId: notPersonal(),
      remindAt: notPersonal(),
      reminderSentAt: notPersonal(),
      visibility: notPersonal(),
      teamId: notPersonal(),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
      deletedAt: notPersonal('set while the task is in the trash'),
    },
  },
);

/** The people a task is about, one row each. */
export const taskPeople = declareTable(
  pgTable(
    'task_people',
    {
      workspaceId: uuid('workspace_id').notNull(),
      taskId: uuid('task_id').notNull(),
      personId: uuid('person_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.taskId, t.personId] }),
      foreignKey({ columns: [t.workspaceId, t.taskId], foreignColumns: [tasks.workspaceId, tasks.taskId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.personId],
        foreignColumns: [people.workspaceId, people.personId],
      }).onDelete('cascade'),
      index('task_people_person_idx').on(t.workspaceId, t.personId, t.taskId),
    ],
  ),
  {
    description: 'Which people a task is about',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'person', column: 'personId' },
    columns: {
      workspaceId: notPersonal(),
      taskId: personal('user.relationship', 'a task about the person'),
      personId: personal('user.account.identifier', 'the id of the person in this workspace'),
    },
  },
);

export const taskCompanies = declareTable(
  pgTable(
    'task_companies',
    {
      workspaceId: uuid('workspace_id').notNull(),
      taskId: uuid('task_id').notNull(),
      companyId: uuid('company_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.taskId, t.companyId] }),
      foreignKey({ columns: [t.workspaceId, t.taskId], foreignColumns: [tasks.workspaceId, tasks.taskId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.companyId],
        foreignColumns: [companies.workspaceId, companies.companyId],
      }).onDelete('cascade'),
      index('task_companies_company_idx').on(t.workspaceId, t.companyId, t.taskId),
    ],
  ),
  {
    description: 'Which companies a task is about',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { workspaceId: notPersonal(), taskId: notPersonal(), companyId: notPersonal() },
  },
);

export const taskDeals = declareTable(
  pgTable(
    'task_deals',
    {
      workspaceId: uuid('workspace_id').notNull(),
      taskId: uuid('task_id').notNull(),
      dealId: uuid('deal_id').notNull(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.taskId, t.dealId] }),
      foreignKey({ columns: [t.workspaceId, t.taskId], foreignColumns: [tasks.workspaceId, tasks.taskId] }).onDelete(
        'cascade',
      ),
      foreignKey({ columns: [t.workspaceId, t.dealId], foreignColumns: [deals.workspaceId, deals.dealId] }).onDelete(
        'cascade',
      ),
      index('task_deals_deal_idx').on(t.workspaceId, t.dealId, t.taskId),
    ],
  ),
  {
    description: 'Which deals a task is about',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: { workspaceId: notPersonal(), taskId: notPersonal(), dealId: notPersonal() },
  },
);

export const NOTIFICATION_KINDS = ['task.reminder'] as const;
/** Mail for a notification: none wanted, waiting to go (the job sends it), or sent. */
export const NOTIFICATION_MAIL_STATES = ['none', 'pending', 'sent'] as const;

/** In-app notifications, per member per workspace; unread until read_at is set. */
export const notifications = declareTable(
  pgTable(
    'notifications',
    {
      workspaceId: uuid('workspace_id').notNull(),
      /** UUIDv7: the id orders by creation and is the keyset. */
      notificationId: uuid('notification_id').notNull(),
      userId: uuid('user_id').notNull(),
      kind: text('kind', { enum: NOTIFICATION_KINDS }).notNull(),
      taskId: uuid('task_id'),
      /** The reminder time this notification is for: with task and user, at most one each. */
      remindAt: ts('remind_at'),
      createdAt: ts('created_at').notNull().defaultNow(),
      readAt: ts('read_at'),
      mailState: text('mail_state', { enum: NOTIFICATION_MAIL_STATES }).notNull().default('none'),
      mailedAt: ts('mailed_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.notificationId] }),
      foreignKey({
        columns: [t.workspaceId, t.userId],
        foreignColumns: [members.workspaceId, members.userId],
      }).onDelete('cascade'),
      foreignKey({ columns: [t.workspaceId, t.taskId], foreignColumns: [tasks.workspaceId, tasks.taskId] }).onDelete(
        'cascade',
      ),
      index('notifications_user_idx').on(t.workspaceId, t.userId, t.notificationId),
      index('notifications_unread_idx').on(t.workspaceId, t.userId, t.notificationId).where(sql`read_at is null`),
      index('notifications_mail_idx').on(t.workspaceId, t.notificationId).where(sql`mail_state = 'pending'`),
      uniqueIndex('notifications_reminder_unique').on(t.workspaceId, t.taskId, t.userId, t.remindAt),
    ],
  ),
  {
    description: 'In-app notifications of each member (task reminders), read or unread',
    tenancy: 'tenant',
    controller: 'workspace',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      workspaceId: notPersonal(),
      notificationId: notPersonal(),
      userId: personal('user.account.identifier', 'the member notified (a user of the service)'),
      kind: notPersonal(),
      taskId: notPersonal(),
      remindAt: notPersonal(),
      createdAt: personal('user.behavior.activity', 'when the member was notified'),
      readAt: personal('user.behavior.activity', 'when the member read it'),
      mailState: notPersonal(),
      mailedAt: notPersonal(),
    },
  },
);
