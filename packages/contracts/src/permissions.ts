// The permission matrix: per role, object and action (issue 3, "Permissions"; P-SEC-5).
// Shared by server and web.
import { z } from 'zod';

export const PERMISSION_OBJECTS = [
  'people',
  'companies',
  'deals',
  'pipelines',
  'tasks',
  'projects',
  'notes',
  'files',
] as const;
export const ZPermissionObject = z.enum(PERMISSION_OBJECTS, {
  error: `must be one of ${PERMISSION_OBJECTS.join(', ')}`,
});
export type TPermissionObject = z.infer<typeof ZPermissionObject>;

export const PERMISSION_ACTIONS = ['read', 'create', 'update', 'delete', 'import', 'export'] as const;
export const ZPermissionAction = z.enum(PERMISSION_ACTIONS, {
  error: `must be one of ${PERMISSION_ACTIONS.join(', ')}`,
});
export type TPermissionAction = z.infer<typeof ZPermissionAction>;

/** The roles whose permissions can change; the owner always has every permission. */
export const MATRIX_ROLES = ['admin', 'member', 'viewer'] as const;
export const ZMatrixRole = z.enum(MATRIX_ROLES, { error: `must be one of ${MATRIX_ROLES.join(', ')}` });
export type TMatrixRole = z.infer<typeof ZMatrixRole>;

/** role → object → the actions allowed. */
export type TPermissionMatrix = Record<TMatrixRole, Record<TPermissionObject, TPermissionAction[]>>;

const ZActions = z.array(ZPermissionAction).max(PERMISSION_ACTIONS.length);
const ZObjectActions = z.object(
  Object.fromEntries(PERMISSION_OBJECTS.map((o) => [o, ZActions])) as Record<TPermissionObject, typeof ZActions>,
);

export const ZPermissionMatrix = z.object({ admin: ZObjectActions, member: ZObjectActions, viewer: ZObjectActions });

export const ZPermissions = z.object({
  /** What each role may do now (defaults with this workspace's changes applied). */
  matrix: ZPermissionMatrix,
  /** The defaults, to show what was changed and to reset. */
  defaults: ZPermissionMatrix,
  /** The most each role can ever be given: a viewer never writes, only admins change pipelines. */
  ceiling: ZPermissionMatrix,
});
export type TPermissions = z.infer<typeof ZPermissions>;

/** PUT /api/v1/permissions: the whole matrix, or only the roles and objects to change
 *  (each object given replaces that role's actions on it). */
export const ZUpdatePermissionsBody = z
  .object({
    admin: ZObjectActions.partial().strict().optional(),
    member: ZObjectActions.partial().strict().optional(),
    viewer: ZObjectActions.partial().strict().optional(),
  })
  .strict();
export type TUpdatePermissionsBody = z.infer<typeof ZUpdatePermissionsBody>;
