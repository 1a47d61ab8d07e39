CREATE TABLE "person_tags" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"tag" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "person_tags_workspace_id_person_id_tag_pk" PRIMARY KEY("workspace_id","person_id","tag")
);
--> statement-breakpoint
DROP INDEX "companies_tags_idx";--> statement-breakpoint
DROP INDEX "people_tags_idx";--> statement-breakpoint
DROP INDEX "people_subject_categories_idx";--> statement-breakpoint
ALTER TABLE "person_tags" ADD CONSTRAINT "person_tags_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "person_tags_tag_idx" ON "person_tags" USING btree ("workspace_id","tag","person_id");--> statement-breakpoint
-- Keep what the column held (rows created since 0002), as the schema owner (see 0005).
ALTER TABLE "people" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
INSERT INTO "person_tags" ("workspace_id", "person_id", "tag", "position") SELECT p."workspace_id", p."person_id", t."tag", (t."n" - 1)::int FROM "people" p CROSS JOIN LATERAL unnest(p."tags") WITH ORDINALITY AS t("tag", "n") ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "people" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "people" DROP COLUMN "tags";