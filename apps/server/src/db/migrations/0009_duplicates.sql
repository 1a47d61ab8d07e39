CREATE TABLE "person_merges" (
	"workspace_id" uuid NOT NULL,
	"merge_id" uuid NOT NULL,
	"survivor_id" uuid NOT NULL,
	"merged_id" uuid NOT NULL,
	"merged_by" uuid,
	"merged_at" timestamp (3) with time zone NOT NULL,
	"previous" jsonb NOT NULL,
	"choices" jsonb NOT NULL,
	CONSTRAINT "person_merges_workspace_id_merge_id_pk" PRIMARY KEY("workspace_id","merge_id")
);
--> statement-breakpoint
CREATE TABLE "person_non_duplicates" (
	"workspace_id" uuid NOT NULL,
	"person_a" uuid NOT NULL,
	"person_b" uuid NOT NULL,
	"marked_by" uuid,
	"marked_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "person_non_duplicates_workspace_id_person_a_person_b_pk" PRIMARY KEY("workspace_id","person_a","person_b"),
	CONSTRAINT "person_non_duplicates_order" CHECK ("person_non_duplicates"."person_a" < "person_non_duplicates"."person_b")
);
--> statement-breakpoint
ALTER TABLE "person_merges" ADD CONSTRAINT "person_merges_merged_by_users_id_fk" FOREIGN KEY ("merged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_merges" ADD CONSTRAINT "person_merges_workspace_id_survivor_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","survivor_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_non_duplicates" ADD CONSTRAINT "person_non_duplicates_marked_by_users_id_fk" FOREIGN KEY ("marked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_non_duplicates" ADD CONSTRAINT "person_non_duplicates_workspace_id_person_a_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_a") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_non_duplicates" ADD CONSTRAINT "person_non_duplicates_workspace_id_person_b_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_b") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "person_merges_survivor_idx" ON "person_merges" USING btree ("workspace_id","survivor_id","merged_at");--> statement-breakpoint
CREATE INDEX "person_merges_merged_idx" ON "person_merges" USING btree ("workspace_id","merged_id");--> statement-breakpoint
CREATE INDEX "person_non_duplicates_b_idx" ON "person_non_duplicates" USING btree ("workspace_id","person_b","person_a");