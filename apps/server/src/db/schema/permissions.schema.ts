import { boolean, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal } from '../../privacy/data-map/data-map.ts';
import { tsMs as ts } from './columns.ts';
import { workspaces } from './workspaces.schema.ts';

/** The roles whose permissions a workspace may change (the owner always has every one). */
export const MATRIX_ROLES = ['admin', 'member', 'viewer'] as const;

/**
 * Overrides of the default permission matrix, one row per (role, object, action) that a
 * workspace admin changed. A missing row means the default (see modules/permissions).
 */
export const rolePermissions = declareTable(
  pgTable(
    'role_permissions',
    {
      workspaceId: uuid('workspace_id')
        .notNull()
        .references(() => workspaces.workspaceId, { onDelete: 'cascade' }),
      role: text('role', { enum: MATRIX_ROLES }).notNull(),
      object: text('object').notNull(),
      action: text('action').notNull(),
      allowed: boolean('allowed').notNull(),
      updatedAt: ts('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.workspaceId, t.role, t.object, t.action] })],
  ),
  {
    description: 'Per-role permission overrides of a workspace (P-SEC-5)',
    tenancy: 'tenant',
    controller: 'workspace',
    columns: {
      workspaceId: notPersonal(),
      role: notPersonal(),
      object: notPersonal(),
      action: notPersonal(),
      allowed: notPersonal(),
      updatedAt: notPersonal(),
    },
  },
);
