import { personGetFunction } from '../modules/people/people.get-once.ts';
import { declaredTables } from '../privacy/data-map/data-map.ts';
import { REQUEST_AUTH_FUNCTION } from './request-auth.ts';
import { APP_ROLE } from './tenant.ts';

const WS = `nullif(current_setting('app.workspace_id', true), '')::uuid`;
const USER = `nullif(current_setting('app.user_id', true), '')::uuid`;

/**
 * Row-level security policies. Every tenant table gets one policy: its rows are visible and
 * writable only inside a transaction scoped to its workspace. The membership tables also
 * let a user READ their own rows before a workspace is chosen ("my workspaces"), but
 * writes stay confined to the scoped workspace, so the own-rows branch can never be used
 * to add oneself to another workspace.
 */
const STRICT = `workspace_id = ${WS}`;
const EXTRA_READS: Record<string, string> = {
  members: `${STRICT} OR user_id = ${USER}`,
  // Maintenance jobs may list the workspaces (never their data) to visit each in turn.
  workspaces: `${STRICT} OR workspace_id IN (SELECT m.workspace_id FROM members m WHERE m.user_id = ${USER}) OR current_setting('app.scope', true) = 'system'`,
};

/** The expression that decides which rows of `table` a transaction may read. */
export function tenantReadPolicy(table: string): string {
  return EXTRA_READS[table] ?? STRICT;
}

/**
 * The roles, grants and policies as one idempotent SQL script, run as the owner of the schema
 * after migrations (`migrate.ts`); the same data map gives the same text.
 */
export function rowLevelSecurityScript(): string {
  const statements: string[] = [
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
         CREATE ROLE ${APP_ROLE} NOLOGIN;
       END IF;
     END $$;`,
    `DO $$ BEGIN
       IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
         EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
       END IF;
     END $$;`,
    `GRANT USAGE ON SCHEMA public TO ${APP_ROLE};`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE};`,
    REQUEST_AUTH_FUNCTION,
    personGetFunction(),
  ];
  for (const t of declaredTables()) {
    if (t.tenancy !== 'tenant') continue;
    statements.push(
      `ALTER TABLE "${t.name}" ENABLE ROW LEVEL SECURITY;`,
      `ALTER TABLE "${t.name}" FORCE ROW LEVEL SECURITY;`,
      `DROP POLICY IF EXISTS tenant_isolation ON "${t.name}";`,
      `DROP POLICY IF EXISTS tenant_read ON "${t.name}";`,
      `CREATE POLICY tenant_isolation ON "${t.name}" USING (${STRICT}) WITH CHECK (${STRICT});`,
    );
    const read = EXTRA_READS[t.name];
    if (read) statements.push(`CREATE POLICY tenant_read ON "${t.name}" FOR SELECT USING (${read});`);
  }
  return statements.join('\n');
}
