import type { TPermissionAction, TPermissionObject, TPrivacyScope } from '@tillit/contracts';
import { and, eq, or } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { FastAuth } from '../../auth/request-auth.ts';
import type { Tx } from '../../db/client.ts';
import { rolePermissions, type WorkspaceRole } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { type InWorkspace, requireMember } from '../../http/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import { CEILING_MATRIX, isDefault } from './permissions.defaults.ts';

/** What a permission check needs to know about the caller: a member, or an API key acting
 *  with its own role and scopes. */
export type PermissionContext = {
  workspaceId: string;
  role: WorkspaceRole;
  userId?: string;
  apiKey?: { id: string; scopes: readonly string[] } | null;
  /** The workspace's override of this very permission, when the caller already read it
   *  (with the membership, see http/auth-context.ts); undefined: read it here. */
  knownOverride?: boolean | null;
};

export const scopeOf = (object: TPermissionObject, action: TPermissionAction) => `${object}:${action}`;

function refuse(object: TPermissionObject, action: TPermissionAction, why: string): AppError {
  return new AppError('forbidden', 403, `You may not ${action} ${object}: ${why}.`);
}

/**
 * What decides `action` on `object` before the workspace's changes do: 'allowed' (the owner,
 * with the key's scope if a key asks), why it is refused (the key's scopes, the role's
 * ceiling), or null (the workspace's change of the matrix, else its default, decides).
 */
function fixedRule(
  ctx: PermissionContext,
  object: TPermissionObject,
  action: TPermissionAction,
): 'allowed' | string | null {
  if (ctx.apiKey && !ctx.apiKey.scopes.includes(scopeOf(object, action))) {
    return `this API key lacks the scope ${scopeOf(object, action)}`;
  }
  if (ctx.role === 'owner') return 'allowed';
  if (!CEILING_MATRIX[ctx.role][object].includes(action)) return `the ${ctx.role} role never can`;
  return null;
}

/**
 * Throws 403 `forbidden` (the code every role refusal has always had; the message names
 * the object, the action and why) unless the caller's role may do `action` on `object` in
 * this workspace (the default matrix, with the workspace's changes), and, for an API key,
 * unless the key's scopes include `object:action`. The owner may always do everything the
 * key lets it. Record visibility (private/team/workspace) applies on top, in the services.
 */
export async function assertAllowed(
  source: Services | Tx,
  ctx: PermissionContext,
  object: TPermissionObject,
  action: TPermissionAction,
): Promise<void> {
  const rule = fixedRule(ctx, object, action);
  if (rule === 'allowed') return;
  if (rule !== null) throw refuse(object, action, rule);
  const role = ctx.role as Exclude<WorkspaceRole, 'owner'>;
  const read = async (tx: Tx) => {
    const [row] = await tx
      .select({ allowed: rolePermissions.allowed })
      .from(rolePermissions)
      .where(
        and(
          eq(rolePermissions.workspaceId, ctx.workspaceId),
          eq(rolePermissions.role, role),
          eq(rolePermissions.object, object),
          eq(rolePermissions.action, action),
        ),
      );
    return row?.allowed;
  };
  const override =
    ctx.knownOverride !== undefined
      ? ctx.knownOverride
      : 'database' in source
        ? await withTenant(source.database.db, { workspaceId: ctx.workspaceId, userId: ctx.userId ?? null }, read)
        : await read(source);
  const allowed = override ?? isDefault(role, object, action);
  if (!allowed) throw refuse(object, action, `this workspace does not allow it for the ${ctx.role} role`);
}

/**
 * Which of `asks` the caller may do, each decided as `assertAllowed` decides it (the key's
 * scopes, the owner, the ceiling, the workspace's change or the default), with the
 * workspace's changes of all of them read in one statement, and none when no ask needs one.
 * For a read that covers several objects (the search: people and companies).
 */
export async function allowedOf(
  tx: Tx,
  ctx: PermissionContext,
  asks: readonly { object: TPermissionObject; action: TPermissionAction }[],
): Promise<boolean[]> {
  const rules = asks.map(({ object, action }) => fixedRule(ctx, object, action));
  const open = asks.filter((_, i) => rules[i] === null);
  if (open.length === 0) return rules.map((r) => r === 'allowed');
  const role = ctx.role as Exclude<WorkspaceRole, 'owner'>;
  const rows = await tx
    .select({ object: rolePermissions.object, action: rolePermissions.action, allowed: rolePermissions.allowed })
    .from(rolePermissions)
    .where(
      and(
        eq(rolePermissions.workspaceId, ctx.workspaceId),
        eq(rolePermissions.role, role),
        or(...open.map((a) => and(eq(rolePermissions.object, a.object), eq(rolePermissions.action, a.action)))),
      ),
    );
  return asks.map(({ object, action }, i) => {
    const rule = rules[i];
    if (rule !== null) return rule === 'allowed';
    const row = rows.find((r) => r.object === object && r.action === action);
    return row?.allowed ?? isDefault(role, object, action);
  });
}

/** For routes: the caller (member or API key) of this workspace, once allowed `action` on `object`. */
export async function requireAllowed(
  services: Services,
  request: FastifyRequest,
  object: TPermissionObject,
  action: TPermissionAction,
  /** `hold`, `answered`: see requireMember (a transaction not taken is rolled back with the response). */
  options: { hold?: boolean; answered?: FastAuth } = {},
): Promise<InWorkspace> {
  const ctx = await requireMember(services, request, 'viewer', {
    allowApiKey: true,
    permission: { object, action },
    ...(options.hold ? { hold: true } : {}),
    ...(options.answered ? { answered: options.answered } : {}),
  });
  await assertAllowed(
    services,
    ctx.permissionOverride === undefined
      ? permissionContextOf(ctx)
      : { ...permissionContextOf(ctx), knownOverride: ctx.permissionOverride },
    object,
    action,
  );
  return ctx;
}

/**
 * For routes whose rights are not cells of the matrix (requests from data subjects, whose
 * services check the role themselves): the caller, a member or an API key holding `scope`.
 * A member signed in needs no scope; a key without it gets 403 `forbidden` naming it.
 */
export async function requireScope(
  services: Services,
  request: FastifyRequest,
  scope: TPrivacyScope,
): Promise<InWorkspace> {
  const ctx = await requireMember(services, request, 'viewer', { allowApiKey: true });
  if (ctx.apiKey && !ctx.apiKey.scopes.includes(scope)) {
    throw new AppError('forbidden', 403, `This API key lacks the scope ${scope}.`);
  }
  return ctx;
}

export function permissionContextOf(ctx: InWorkspace): PermissionContext {
  return { workspaceId: ctx.workspaceId, role: ctx.role, userId: ctx.user.id, apiKey: ctx.apiKey ?? null };
}
