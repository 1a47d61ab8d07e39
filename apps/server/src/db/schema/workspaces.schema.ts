import { sql } from 'drizzle-orm';
import { boolean, foreignKey, index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { ts } from './columns.ts';

/** The tenant root. Its key is `workspace_id` like every tenant table's. */
export const workspaces = declareTable(
  pgTable('workspaces', {
    workspaceId: uuid('workspace_id').primaryKey(),
    name: text('name').notNull(),
    region: text('region').notNull().default('eu'),
    country: text('country').notNull().default('NO'),
    requireTwoFactor: boolean('require_two_factor').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  }),
  {
    description: 'Workspaces (the customers of the service)',
    tenancy: 'tenant',
    controller: 'service',
    columns: {
      workspaceId: notPersonal(),
      name: notPersonal('the name of an organisation'),
      region: notPersonal(),
      country: notPersonal(),
      requireTwoFactor: notPersonal(),
      createdBy: personal('user.account.identifier'),
      createdAt: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);

export const WORKSPACE_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const members = declareTable(
  pgTable(
    'members',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      userId: uuid('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.userId] }), index('members_user_id_idx').on(t.userId)],
  ),
  {
    description: 'Who belongs to a workspace, with which role',
    tenancy: 'tenant',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      workspaceId: notPersonal(),
      userId: personal('user.account.membership'),
      role: personal('user.account.membership'),
      createdAt: personal('user.account.membership'),
    },
  },
);

export const teams = declareTable(
  pgTable(
    'teams',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      teamId: uuid('team_id').notNull(),
      name: text('name').notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.teamId] }),
      uniqueIndex('teams_workspace_name_key').on(t.workspaceId, sql`lower(${t.name})`),
    ],
  ),
  {
    description: 'Teams inside a workspace',
    tenancy: 'tenant',
    controller: 'service',
    columns: {
      workspaceId: notPersonal(),
      teamId: notPersonal(),
      name: notPersonal(),
      createdAt: notPersonal(),
    },
  },
);

export const teamMembers = declareTable(
  pgTable(
    'team_members',
    {
      workspaceId: uuid('workspace_id').notNull(),
      teamId: uuid('team_id').notNull(),
      userId: uuid('user_id').notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.teamId, t.userId] }),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'cascade',
      ),
      foreignKey({
        columns: [t.workspaceId, t.userId],
        foreignColumns: [members.workspaceId, members.userId],
      }).onDelete('cascade'),
      index('team_members_user_idx').on(t.workspaceId, t.userId),
    ],
  ),
  {
    description: 'Which members belong to which team',
    tenancy: 'tenant',
    controller: 'service',
    subject: { kind: 'user', column: 'userId' },
    columns: {
      workspaceId: notPersonal(),
      teamId: personal('user.account.membership'),
      userId: personal('user.account.membership'),
      createdAt: personal('user.account.membership'),
    },
  },
);

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked'] as const;

export const invitations = declareTable(
  pgTable(
    'invitations',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      invitationId: uuid('invitation_id').notNull(),
      email: text('email').notNull(),
      role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
      teamId: uuid('team_id'),
      tokenHash: text('token_hash').notNull(),
      status: text('status', { enum: INVITATION_STATUSES }).notNull().default('pending'),
      invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
      acceptedBy: uuid('accepted_by').references(() => users.id, { onDelete: 'set null' }),
      expiresAt: ts('expires_at').notNull(),
      createdAt: ts('created_at').notNull().defaultNow(),
      acceptedAt: ts('accepted_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.invitationId] }),
      uniqueIndex('invitations_token_key').on(t.workspaceId, t.tokenHash),
      index('invitations_email_idx').on(t.workspaceId, t.email),
      foreignKey({ columns: [t.workspaceId, t.teamId], foreignColumns: [teams.workspaceId, teams.teamId] }).onDelete(
        'set null',
      ),
    ],
  ),
  {
    description: 'Invitations to join a workspace, sent by email',
    tenancy: 'tenant',
    controller: 'service',
    columns: {
      workspaceId: notPersonal(),
      invitationId: notPersonal(),
      email: personal('user.contact.email'),
      role: notPersonal(),
      teamId: notPersonal(),
      tokenHash: personal('system.authentication', 'SHA-256 of the emailed token'),
      status: notPersonal(),
      invitedBy: personal('user.account.identifier'),
      acceptedBy: personal('user.account.identifier'),
      expiresAt: notPersonal(),
      createdAt: notPersonal(),
      acceptedAt: notPersonal(),
    },
  },
);
