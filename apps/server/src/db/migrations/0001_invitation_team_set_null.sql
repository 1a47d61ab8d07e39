-- A deleted team must only clear invitations.team_id, never workspace_id (PostgreSQL 15+
-- column list for SET NULL; drizzle-kit cannot express it).
ALTER TABLE "invitations" DROP CONSTRAINT "invitations_workspace_id_team_id_teams_workspace_id_team_id_fk";--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE SET NULL ("team_id");
