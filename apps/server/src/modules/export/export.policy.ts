import type { Services } from '../../services.ts';
import { assertAllowed } from '../permissions/permissions.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';
import type { ExportEntity } from './export.service.ts';

/**
 * Who may export. An export takes personal data out of the service in bulk, so it is a right
 * of its own in the permission matrix (action 'export'), not a kind of reading: by default
 * members and above may export what they can see, and viewers may read but not export; a
 * workspace may allow its viewers to export. The route checks the caller (an API key needs the
 * scope `<object>:export` too); this is the service's own second wall, on the role.
 */
export async function assertCanExport(services: Services, actor: Actor, entity: ExportEntity): Promise<void> {
  await assertAllowed(
    services,
    { workspaceId: actor.workspaceId, role: actor.role, userId: actor.userId },
    entity,
    'export',
  );
}
