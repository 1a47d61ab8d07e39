CREATE TABLE "company_search_terms" (
	"workspace_id" uuid NOT NULL,
	"term" text COLLATE "C" NOT NULL,
	"company_id" uuid NOT NULL,
	CONSTRAINT "company_search_terms_workspace_id_term_company_id_pk" PRIMARY KEY("workspace_id","term","company_id")
);
--> statement-breakpoint
CREATE TABLE "person_search_terms" (
	"workspace_id" uuid NOT NULL,
	"term" text COLLATE "C" NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "person_search_terms_workspace_id_term_person_id_pk" PRIMARY KEY("workspace_id","term","person_id")
);
--> statement-breakpoint
CREATE TABLE "search_index_state" (
	"workspace_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"version" integer NOT NULL,
	"last_id" uuid,
	"completed_at" timestamp (3) with time zone,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "search_index_state_workspace_id_kind_pk" PRIMARY KEY("workspace_id","kind")
);
--> statement-breakpoint
CREATE TABLE "search_words" (
	"workspace_id" uuid NOT NULL,
	"word" text COLLATE "C" NOT NULL,
	"gram" text COLLATE "C" NOT NULL,
	CONSTRAINT "search_words_workspace_id_word_gram_pk" PRIMARY KEY("workspace_id","word","gram")
);
--> statement-breakpoint
ALTER TABLE "company_search_terms" ADD CONSTRAINT "company_search_terms_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_search_terms" ADD CONSTRAINT "person_search_terms_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_index_state" ADD CONSTRAINT "search_index_state_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "search_words" ADD CONSTRAINT "search_words_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "company_search_terms_company_idx" ON "company_search_terms" USING btree ("workspace_id","company_id");--> statement-breakpoint
CREATE INDEX "person_search_terms_person_idx" ON "person_search_terms" USING btree ("workspace_id","person_id");--> statement-breakpoint
CREATE INDEX "search_words_gram_idx" ON "search_words" USING btree ("workspace_id","gram","word");--> statement-breakpoint
CREATE INDEX "deals_open_stage_idx" ON "deals" USING btree ("workspace_id","pipeline_id","stage_id","currency","amount") WHERE deleted_at is null and status = 'open';--> statement-breakpoint
CREATE INDEX "deals_closed_idx" ON "deals" USING btree ("workspace_id","closed_at","status","currency","amount") WHERE deleted_at is null and closed_at is not null;