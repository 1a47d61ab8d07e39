import { roleAtLeast } from '../../http/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

/**
 * Who may export. An export takes personal data out of the service in bulk, so it is a
 * right of its own, not a kind of reading: members and above may export what they can see;
 * viewers read but do not export. (When the per-role permission matrix lands, this becomes
 * its check for action 'export'.)
 */
export async function assertCanExport(_services: Services, actor: Actor): Promise<void> {
  if (!roleAtLeast(actor.role, 'member')) {
    throw new AppError('permission_denied', 403, 'You may not export: this needs the member role or higher.');
  }
}
