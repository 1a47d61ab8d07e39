import { declaredTables } from '../privacy/data-map/data-map.ts';
import type { RawSql } from './client.ts';
import { APP_ROLE } from './tenant.ts';

const WS = `nullif(current_setting('app.workspace_id', true), '')::uuid`;
const USER = `nullif(current_setting('app.user_id', true), '')::uuid`;

/**
 * Row-level security policies. Every tenant table gets the same policy (its rows are
 * visible only inside a transaction scoped to its workspace) unless listed here: the
 * membership tables also show a user their own rows so that "my workspaces" can be asked
 * before a workspace is chosen.
 */
const SPECIAL_POLICIES: Record<string, string> = {
  members: `workspace_id = ${WS} OR user_id = ${USER}`,
  // Maintenance jobs may list the workspaces (never their data) to visit each in turn.
  workspaces: `workspace_id = ${WS} OR workspace_id IN (SELECT m.workspace_id FROM members m WHERE m.user_id = ${USER}) OR current_setting('app.scope', true) = 'system'`,
};

export function tenantPolicy(table: string): string {
  return SPECIAL_POLICIES[table] ?? `workspace_id = ${WS}`;
}

/** Idempotent: runs after every migration, as the owner of the schema. */
export async function applyRowLevelSecurity(raw: RawSql): Promise<void> {
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
  ];
  for (const t of declaredTables()) {
    if (t.tenancy !== 'tenant') continue;
    const policy = tenantPolicy(t.name);
    statements.push(
      `ALTER TABLE "${t.name}" ENABLE ROW LEVEL SECURITY;`,
      `ALTER TABLE "${t.name}" FORCE ROW LEVEL SECURITY;`,
      `DROP POLICY IF EXISTS tenant_isolation ON "${t.name}";`,
      `CREATE POLICY tenant_isolation ON "${t.name}" USING (${policy}) WITH CHECK (${policy});`,
    );
  }
  await raw.exec(statements.join('\n'));
}
