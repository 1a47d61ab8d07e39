import {
  MATRIX_ROLES,
  PERMISSION_ACTIONS,
  PERMISSION_OBJECTS,
  type TPermissionAction,
  type TPermissionMatrix,
  type TPermissionObject,
  type TPermissions,
  type TUpdatePermissionsBody,
} from '@tillit/contracts';
import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { rolePermissions } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { forbidden, validationFailed } from '../../lib/errors.ts';
import { appendAudit } from '../../privacy/audit/audit.service.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import { CEILING_MATRIX, DEFAULT_MATRIX, isDefault } from './permissions.defaults.ts';

function clone(m: TPermissionMatrix): TPermissionMatrix {
  return JSON.parse(JSON.stringify(m)) as TPermissionMatrix;
}

/** The workspace's matrix: the defaults with its overrides applied, actions in a fixed order. */
export async function loadMatrix(tx: Tx, workspaceId: string): Promise<TPermissionMatrix> {
  const rows = await tx.select().from(rolePermissions).where(eq(rolePermissions.workspaceId, workspaceId));
  const sets = Object.fromEntries(
    MATRIX_ROLES.map((role) => [
      role,
      Object.fromEntries(PERMISSION_OBJECTS.map((o) => [o, new Set<string>(DEFAULT_MATRIX[role][o])])),
    ]),
  ) as Record<string, Record<string, Set<string>>>;
  for (const r of rows) {
    const set = sets[r.role]?.[r.object];
    if (!set) continue;
    if (r.allowed) set.add(r.action);
    else set.delete(r.action);
  }
  const out = clone(DEFAULT_MATRIX);
  for (const role of MATRIX_ROLES) {
    for (const o of PERMISSION_OBJECTS) {
      out[role][o] = PERMISSION_ACTIONS.filter((a) => sets[role]?.[o]?.has(a));
    }
  }
  return out;
}

function assertAdmin(actor: Actor): void {
  if (!roleAtLeast(actor.role, 'admin')) throw forbidden('Only admins manage permissions.');
}

export async function getPermissions(services: Services, actor: Actor): Promise<TPermissions> {
  assertAdmin(actor);
  const matrix = await withTenant(services.database.db, actor, (tx) => loadMatrix(tx, actor.workspaceId));
  return { matrix, defaults: clone(DEFAULT_MATRIX), ceiling: clone(CEILING_MATRIX) };
}

/**
 * Changes the matrix: every (role, object) given gets exactly the actions given. Only the
 * differences from the defaults are stored (a row with allowed true or false), so a later
 * change of a default reaches workspaces that never touched that cell. One audit entry
 * lists what changed (`permissions.changed`).
 */
export async function updatePermissions(
  services: Services,
  actor: Actor,
  body: TUpdatePermissionsBody,
): Promise<TPermissions> {
  assertAdmin(actor);
  const problems: Record<string, string> = {};
  for (const role of MATRIX_ROLES) {
    for (const [object, actions] of Object.entries(body[role] ?? {}) as [TPermissionObject, TPermissionAction[]][]) {
      const beyond = actions.filter((a) => !CEILING_MATRIX[role][object].includes(a));
      if (beyond.length) problems[`${role}.${object}`] = `the ${role} role cannot be given ${beyond.join(', ')}`;
    }
  }
  if (Object.keys(problems).length) throw validationFailed(problems);
  const now = services.clock.now();
  const matrix = await withTenant(services.database.db, actor, async (tx) => {
    const before = await loadMatrix(tx, actor.workspaceId);
    const changes: string[] = [];
    for (const role of MATRIX_ROLES) {
      for (const [object, actions] of Object.entries(body[role] ?? {}) as [TPermissionObject, TPermissionAction[]][]) {
        for (const action of PERMISSION_ACTIONS) {
          const want = actions.includes(action);
          if (want !== before[role][object].includes(action)) changes.push(`${role}.${object}.${action}=${want}`);
          const where = and(
            eq(rolePermissions.workspaceId, actor.workspaceId),
            eq(rolePermissions.role, role),
            eq(rolePermissions.object, object),
            eq(rolePermissions.action, action),
          );
          if (want === isDefault(role, object, action)) {
            await tx.delete(rolePermissions).where(where);
          } else {
            await tx
              .insert(rolePermissions)
              .values({ workspaceId: actor.workspaceId, role, object, action, allowed: want, updatedAt: now })
              .onConflictDoUpdate({
                target: [
                  rolePermissions.workspaceId,
                  rolePermissions.role,
                  rolePermissions.object,
                  rolePermissions.action,
                ],
                set: { allowed: want, updatedAt: now },
              });
          }
        }
      }
    }
    if (changes.length) {
      await appendAudit(
        tx,
        actor.workspaceId,
        {
          actor: { kind: 'user', id: actor.userId },
          action: 'permissions.changed',
          target: { type: 'workspace', id: actor.workspaceId },
          details: { changes },
        },
        now,
      );
    }
    return loadMatrix(tx, actor.workspaceId);
  });
  return { matrix, defaults: clone(DEFAULT_MATRIX), ceiling: clone(CEILING_MATRIX) };
}
