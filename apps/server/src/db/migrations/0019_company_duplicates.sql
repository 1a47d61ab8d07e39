CREATE TABLE "company_merges" (
	"workspace_id" uuid NOT NULL,
	"merge_id" uuid NOT NULL,
	"survivor_id" uuid NOT NULL,
	"merged_id" uuid NOT NULL,
	"merged_by" uuid,
	"merged_at" timestamp (3) with time zone NOT NULL,
	"previous" jsonb NOT NULL,
	"choices" jsonb NOT NULL,
	CONSTRAINT "company_merges_workspace_id_merge_id_pk" PRIMARY KEY("workspace_id","merge_id")
);
--> statement-breakpoint
CREATE TABLE "company_non_duplicates" (
	"workspace_id" uuid NOT NULL,
	"company_a" uuid NOT NULL,
	"company_b" uuid NOT NULL,
	"marked_by" uuid,
	"marked_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "company_non_duplicates_workspace_id_company_a_company_b_pk" PRIMARY KEY("workspace_id","company_a","company_b"),
	CONSTRAINT "company_non_duplicates_order" CHECK ("company_non_duplicates"."company_a" < "company_non_duplicates"."company_b")
);
--> statement-breakpoint
ALTER TABLE "company_merges" ADD CONSTRAINT "company_merges_merged_by_users_id_fk" FOREIGN KEY ("merged_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_merges" ADD CONSTRAINT "company_merges_workspace_id_survivor_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","survivor_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_non_duplicates" ADD CONSTRAINT "company_non_duplicates_marked_by_users_id_fk" FOREIGN KEY ("marked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_non_duplicates" ADD CONSTRAINT "company_non_duplicates_workspace_id_company_a_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_a") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_non_duplicates" ADD CONSTRAINT "company_non_duplicates_workspace_id_company_b_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_b") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "company_merges_survivor_idx" ON "company_merges" USING btree ("workspace_id","survivor_id","merged_at");--> statement-breakpoint
CREATE INDEX "company_merges_merged_idx" ON "company_merges" USING btree ("workspace_id","merged_id");--> statement-breakpoint
CREATE INDEX "company_non_duplicates_b_idx" ON "company_non_duplicates" USING btree ("workspace_id","company_b","company_a");--> statement-breakpoint
CREATE INDEX "companies_org_number_idx" ON "companies" USING btree ("workspace_id","org_number") WHERE deleted_at is null and org_number is not null;