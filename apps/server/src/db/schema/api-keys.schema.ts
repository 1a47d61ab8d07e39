import { index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';
import { users } from './auth.schema.ts';
import { tsMs as ts } from './columns.ts';
import { WORKSPACE_ROLES, workspaces } from './workspaces.schema.ts';

/**
 * API keys of a workspace. The secret is never stored: only its SHA-256 (the secret is 32
 * random bytes, so a fast hash is enough; there is nothing to guess).
 */
export const apiKeys = declareTable(
  pgTable(
    'api_keys',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      apiKeyId: uuid('api_key_id').notNull(),
      name: text('name').notNull(),
      prefix: text('prefix').notNull(),
      secretHash: text('secret_hash').notNull(),
      role: text('role', { enum: WORKSPACE_ROLES }).notNull(),
      scopes: text('scopes').array().notNull(),
      createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
      createdAt: ts('created_at').notNull().defaultNow(),
      expiresAt: ts('expires_at'),
      lastUsedAt: ts('last_used_at'),
      revokedAt: ts('revoked_at'),
    },
    (t) => [
      primaryKey({ columns: [t.workspaceId, t.apiKeyId] }),
      index('api_keys_prefix_idx').on(t.workspaceId, t.prefix),
    ],
  ),
  {
    description: 'API keys: service principals of a workspace, with a role and scopes',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      apiKeyId: notPersonal(),
      name: notPersonal('a label given by an admin'),
      prefix: notPersonal('the public part of the key'),
      secretHash: personal('system.authentication', 'SHA-256 of the secret; the secret itself is never kept'),
      role: notPersonal(),
      scopes: notPersonal(),
      createdBy: personal('user.account.identifier', 'the member who created the key (a user of the service)'),
      createdAt: notPersonal(),
      expiresAt: notPersonal(),
      lastUsedAt: notPersonal(),
      revokedAt: notPersonal(),
    },
  },
);

/**
 * Which workspace a key prefix belongs to. A bearer key arrives before any workspace is
 * known, and row-level security hides `api_keys` outside its workspace, so this small
 * global table (no secrets, no personal data) answers that one question.
 */
export const apiKeyLookups = declareTable(
  pgTable('api_key_lookups', {
    prefix: text('prefix').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
    apiKeyId: uuid('api_key_id').notNull(),
  }),
  {
    description: 'Key prefix to workspace, to find a bearer key before the workspace is known',
    tenancy: 'global',
    controller: 'workspace',
    columns: { prefix: notPersonal(), workspaceId: notPersonal(), apiKeyId: notPersonal() },
  },
);
