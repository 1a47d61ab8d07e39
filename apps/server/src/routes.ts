import type { FastifyInstance } from 'fastify';
import { registerAccountRoutes } from './modules/account/account.routes.ts';
import { registerApiKeyRoutes } from './modules/api-keys/api-keys.routes.ts';
import { registerDashboardRoutes } from './modules/dashboard/dashboard.routes.ts';
import { registerDealRoutes } from './modules/deals/deals.routes.ts';
import { registerDuplicateRoutes } from './modules/duplicates/duplicates.routes.ts';
import { registerExportRoutes } from './modules/export/export.routes.ts';
import { registerFileRoutes } from './modules/files/files.routes.ts';
import { registerImportRoutes } from './modules/import/import.routes.ts';
import { registerNotificationRoutes } from './modules/notifications/notifications.routes.ts';
import { registerOutboxRoutes } from './modules/outbox/outbox.routes.ts';
import { registerPeopleRoutes } from './modules/people/people.routes.ts';
import { registerPermissionRoutes } from './modules/permissions/permissions.routes.ts';
import { registerProjectRoutes } from './modules/projects/projects.routes.ts';
import { registerSearchRoutes } from './modules/search/search.routes.ts';
import { registerSetupRoutes } from './modules/setup/setup.routes.ts';
import { registerSystemRoutes } from './modules/system/system.routes.ts';
import { registerTaskRoutes } from './modules/tasks/tasks.routes.ts';
import { registerTimelineRoutes } from './modules/timeline/timeline.routes.ts';
import { registerWorkspaceRoutes } from './modules/workspaces/workspaces.routes.ts';
import { registerAuditRoutes } from './privacy/audit/audit.routes.ts';
import { registerDataMapRoutes } from './privacy/data-map/data-map.routes.ts';
import type { Services } from './services.ts';

/** Every feature's routes, in one list. */
export async function registerRoutes(app: FastifyInstance, services: Services): Promise<void> {
  registerSystemRoutes(app, services);
  registerAccountRoutes(app, services);
  registerSetupRoutes(app, services);
  registerWorkspaceRoutes(app, services);
  registerAuditRoutes(app, services);
  registerOutboxRoutes(app, services);
  registerDataMapRoutes(app, services);
  registerPeopleRoutes(app, services);
  registerExportRoutes(app, services);
  registerDuplicateRoutes(app, services);
  registerDealRoutes(app, services);
  registerApiKeyRoutes(app, services);
  registerFileRoutes(app, services);
  registerPermissionRoutes(app, services);
  await registerImportRoutes(app, services);
  registerTimelineRoutes(app, services);
  registerSearchRoutes(app, services);
  registerDashboardRoutes(app, services);
  registerTaskRoutes(app, services);
  registerProjectRoutes(app, services);
  registerNotificationRoutes(app, services);
}
