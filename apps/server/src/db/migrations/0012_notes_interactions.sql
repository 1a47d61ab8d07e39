CREATE TABLE "interaction_companies" (
	"workspace_id" uuid NOT NULL,
	"interaction_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "interaction_companies_workspace_id_interaction_id_company_id_pk" PRIMARY KEY("workspace_id","interaction_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "interaction_deals" (
	"workspace_id" uuid NOT NULL,
	"interaction_id" uuid NOT NULL,
	"deal_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "interaction_deals_workspace_id_interaction_id_deal_id_pk" PRIMARY KEY("workspace_id","interaction_id","deal_id")
);
--> statement-breakpoint
CREATE TABLE "interaction_people" (
	"workspace_id" uuid NOT NULL,
	"interaction_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "interaction_people_workspace_id_interaction_id_person_id_pk" PRIMARY KEY("workspace_id","interaction_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "interactions" (
	"workspace_id" uuid NOT NULL,
	"interaction_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"direction" text,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"duration_seconds" integer,
	"subject" text,
	"summary" text,
	"outcome" text,
	"source" text DEFAULT 'manual' NOT NULL,
	"external_id" text,
	"owner_id" uuid,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "interactions_workspace_id_interaction_id_pk" PRIMARY KEY("workspace_id","interaction_id")
);
--> statement-breakpoint
CREATE TABLE "note_companies" (
	"workspace_id" uuid NOT NULL,
	"note_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "note_companies_workspace_id_note_id_company_id_pk" PRIMARY KEY("workspace_id","note_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "note_deals" (
	"workspace_id" uuid NOT NULL,
	"note_id" uuid NOT NULL,
	"deal_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "note_deals_workspace_id_note_id_deal_id_pk" PRIMARY KEY("workspace_id","note_id","deal_id")
);
--> statement-breakpoint
CREATE TABLE "note_people" (
	"workspace_id" uuid NOT NULL,
	"note_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "note_people_workspace_id_note_id_person_id_pk" PRIMARY KEY("workspace_id","note_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "notes" (
	"workspace_id" uuid NOT NULL,
	"note_id" uuid NOT NULL,
	"author_id" uuid,
	"body_html" text NOT NULL,
	"body_text" text NOT NULL,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "notes_workspace_id_note_id_pk" PRIMARY KEY("workspace_id","note_id")
);
--> statement-breakpoint
ALTER TABLE "interaction_companies" ADD CONSTRAINT "interaction_companies_workspace_id_interaction_id_interactions_workspace_id_interaction_id_fk" FOREIGN KEY ("workspace_id","interaction_id") REFERENCES "public"."interactions"("workspace_id","interaction_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_companies" ADD CONSTRAINT "interaction_companies_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_deals" ADD CONSTRAINT "interaction_deals_workspace_id_interaction_id_interactions_workspace_id_interaction_id_fk" FOREIGN KEY ("workspace_id","interaction_id") REFERENCES "public"."interactions"("workspace_id","interaction_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_deals" ADD CONSTRAINT "interaction_deals_workspace_id_deal_id_deals_workspace_id_deal_id_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","deal_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_people" ADD CONSTRAINT "interaction_people_workspace_id_interaction_id_interactions_workspace_id_interaction_id_fk" FOREIGN KEY ("workspace_id","interaction_id") REFERENCES "public"."interactions"("workspace_id","interaction_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interaction_people" ADD CONSTRAINT "interaction_people_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_companies" ADD CONSTRAINT "note_companies_workspace_id_note_id_notes_workspace_id_note_id_fk" FOREIGN KEY ("workspace_id","note_id") REFERENCES "public"."notes"("workspace_id","note_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_companies" ADD CONSTRAINT "note_companies_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_deals" ADD CONSTRAINT "note_deals_workspace_id_note_id_notes_workspace_id_note_id_fk" FOREIGN KEY ("workspace_id","note_id") REFERENCES "public"."notes"("workspace_id","note_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_deals" ADD CONSTRAINT "note_deals_workspace_id_deal_id_deals_workspace_id_deal_id_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","deal_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_people" ADD CONSTRAINT "note_people_workspace_id_note_id_notes_workspace_id_note_id_fk" FOREIGN KEY ("workspace_id","note_id") REFERENCES "public"."notes"("workspace_id","note_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_people" ADD CONSTRAINT "note_people_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "interaction_companies_timeline_idx" ON "interaction_companies" USING btree ("workspace_id","company_id","occurred_at","interaction_id");--> statement-breakpoint
CREATE INDEX "interaction_deals_timeline_idx" ON "interaction_deals" USING btree ("workspace_id","deal_id","occurred_at","interaction_id");--> statement-breakpoint
CREATE INDEX "interaction_people_timeline_idx" ON "interaction_people" USING btree ("workspace_id","person_id","occurred_at","interaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "interactions_external_idx" ON "interactions" USING btree ("workspace_id","source","external_id");--> statement-breakpoint
CREATE INDEX "interactions_owner_idx" ON "interactions" USING btree ("workspace_id","owner_id");--> statement-breakpoint
CREATE INDEX "note_companies_timeline_idx" ON "note_companies" USING btree ("workspace_id","company_id","occurred_at","note_id");--> statement-breakpoint
CREATE INDEX "note_deals_timeline_idx" ON "note_deals" USING btree ("workspace_id","deal_id","occurred_at","note_id");--> statement-breakpoint
CREATE INDEX "note_people_timeline_idx" ON "note_people" USING btree ("workspace_id","person_id","occurred_at","note_id");--> statement-breakpoint
CREATE INDEX "notes_author_idx" ON "notes" USING btree ("workspace_id","author_id");--> statement-breakpoint
CREATE INDEX "notes_deleted_idx" ON "notes" USING btree ("workspace_id","deleted_at","note_id") WHERE deleted_at is not null;