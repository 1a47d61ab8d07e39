/**
 * `tillit_request_auth(token, workspace, object, action)`: everything a signed-in request
 * needs to know before it may act, in one round trip: the session (by its stored, encrypted
 * token), its user, the user's membership and role in the workspace (the one asked for, else
 * the session's active one), whether the workspace requires two-factor authentication, and
 * the workspace's override of the permission matrix for (role, object, action), if any.
 *
 * It runs as the connection's role. `members`, `workspaces` and `role_permissions` are under
 * forced row-level security, so the function scopes itself to the user and workspace with
 * `set_config` (as a tenant transaction does) and puts the settings back before it returns:
 * a caller inside a transaction keeps what it had. Nothing is cached anywhere: a revoked
 * session, a removed member or a changed role count from the next request on.
 *
 * Installed (CREATE OR REPLACE) by the row-level security script (db/rls.ts), which runs
 * after migrations and whenever its text changes.
 */
export const REQUEST_AUTH_FUNCTION = `
CREATE OR REPLACE FUNCTION tillit_request_auth(p_token text, p_workspace uuid, p_object text, p_action text)
RETURNS TABLE (
  session_id uuid, user_id uuid, session_expires_at timestamptz, active_workspace_id uuid,
  email text, name text, email_verified boolean, two_factor_enabled boolean, is_instance_admin boolean,
  user_deleted_at timestamptz, workspace_id uuid, role text, require_two_factor boolean, allowed boolean
)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  s record;
  ws uuid;
  prev_user text := current_setting('app.user_id', true);
  prev_ws text := current_setting('app.workspace_id', true);
BEGIN
  SELECT ss.id AS sid, ss.user_id AS uid, ss.expires_at AS exp, ss.active_workspace_id AS active,
         u.email AS email, u.name AS name, u.email_verified AS verified, u.two_factor_enabled AS tfa,
         u.is_instance_admin AS admin, u.deleted_at AS deleted
    INTO s
    FROM sessions ss JOIN users u ON u.id = ss.user_id
   WHERE ss.token = p_token;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  ws := coalesce(p_workspace, s.active);
  PERFORM set_config('app.user_id', s.uid::text, true), set_config('app.workspace_id', coalesce(ws::text, ''), true);
  RETURN QUERY
    SELECT s.sid, s.uid, s.exp, s.active, s.email, s.name, s.verified, s.tfa, s.admin, s.deleted,
           ws, m.role, w.require_two_factor,
           (SELECT rp.allowed FROM role_permissions rp
             WHERE rp.workspace_id = ws AND rp.role = m.role AND rp.object = p_object AND rp.action = p_action)
      FROM (SELECT 1) AS one
      LEFT JOIN members m ON m.workspace_id = ws AND m.user_id = s.uid
      LEFT JOIN workspaces w ON w.workspace_id = m.workspace_id;
  PERFORM set_config('app.user_id', coalesce(prev_user, ''), true), set_config('app.workspace_id', coalesce(prev_ws, ''), true);
END
$fn$;`;
