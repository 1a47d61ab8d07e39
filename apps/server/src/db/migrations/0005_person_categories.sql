CREATE TABLE "person_categories" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"category" text NOT NULL,
	CONSTRAINT "person_categories_workspace_id_person_id_category_pk" PRIMARY KEY("workspace_id","person_id","category")
);
--> statement-breakpoint
ALTER TABLE "person_categories" ADD CONSTRAINT "person_categories_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "person_categories_category_idx" ON "person_categories" USING btree ("workspace_id","category","person_id");--> statement-breakpoint
-- Keep what the column held (rows created since 0002). Runs as the schema owner, which
-- FORCE ROW LEVEL SECURITY would otherwise confine to no workspace at all.
ALTER TABLE "people" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
INSERT INTO "person_categories" ("workspace_id", "person_id", "category") SELECT "workspace_id", "person_id", unnest("subject_categories") FROM "people" ON CONFLICT DO NOTHING;--> statement-breakpoint
ALTER TABLE "people" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "people" DROP COLUMN "subject_categories";