-- A deleted team must only clear people.team_id and companies.team_id, never workspace_id
-- (PostgreSQL 15+ column list for SET NULL; drizzle-kit cannot express it). Such a record
-- is then seen by its owner and the workspace's admins only.
ALTER TABLE "people" DROP CONSTRAINT "people_workspace_id_team_id_teams_workspace_id_team_id_fk";--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE SET NULL ("team_id");--> statement-breakpoint
ALTER TABLE "companies" DROP CONSTRAINT "companies_workspace_id_team_id_teams_workspace_id_team_id_fk";--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE SET NULL ("team_id");
