import type { WorkspaceRole } from '../../db/schema/index.ts';
import { roleAtLeast } from '../../http/auth-context.ts';
import { AppError, forbidden } from '../../lib/errors.ts';

/**
 * Who may do what to whom inside one workspace. Pure functions over roles, so the rules are
 * stated once and read in one place; the services call them inside the transaction that
 * makes the change, after locking the owner rows they depend on.
 */

export const lastOwner = () =>
  new AppError('last_owner', 409, 'A workspace needs at least one owner. Make someone else owner first.');

/** Owners are special: only an owner may make someone owner or change an owner's role. */
export function assertCanChangeRole(actor: WorkspaceRole, from: WorkspaceRole, to: WorkspaceRole, owners: number) {
  if (!roleAtLeast(actor, 'admin')) throw forbidden('This needs the admin role or higher.');
  if ((from === 'owner' || to === 'owner') && actor !== 'owner') {
    throw forbidden('Only an owner may grant or take away the owner role.');
  }
  if (from === 'owner' && to !== 'owner' && owners <= 1) throw lastOwner();
}

/** Anyone may leave; admins remove others, but only owners remove owners; the last owner stays. */
export function assertCanRemove(actor: WorkspaceRole, target: WorkspaceRole, self: boolean, owners: number) {
  if (!self && !roleAtLeast(actor, 'admin')) throw forbidden('This needs the admin role or higher.');
  if (!self && target === 'owner' && actor !== 'owner') throw forbidden('Only an owner may remove an owner.');
  if (target === 'owner' && owners <= 1) throw lastOwner();
}

export function assertCanInvite(actor: WorkspaceRole, role: WorkspaceRole) {
  if (!roleAtLeast(actor, 'admin')) throw forbidden('This needs the admin role or higher.');
  if (role === 'owner' && actor !== 'owner') throw forbidden('Only an owner may invite an owner.');
}

/** The security settings of a workspace belong to its owners, and an owner who requires
 *  two-factor authentication of everyone must have it first (or would lock themself out). */
export function assertCanSetRequireTwoFactor(actor: WorkspaceRole, enable: boolean, actorHasTwoFactor: boolean) {
  if (actor !== 'owner') throw forbidden('Only an owner may change whether two-factor authentication is required.');
  if (enable && !actorHasTwoFactor) {
    throw new AppError(
      'two_factor_not_enabled',
      409,
      'Turn on two-factor authentication for your own account before requiring it of the workspace.',
      { requireTwoFactor: 'turn on two-factor authentication for your own account first' },
    );
  }
}
