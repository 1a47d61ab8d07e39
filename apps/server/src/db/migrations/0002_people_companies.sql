CREATE TABLE "companies" (
	"workspace_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"name" text NOT NULL,
	"name_key" text COLLATE "C" GENERATED ALWAYS AS (lower(name)) STORED,
	"domain" text COLLATE "C",
	"org_number" text,
	"street" text,
	"state" text,
	"postal_code" text,
	"city" text,
	"country" text,
	"industry" text,
	"size" text,
	"owner_id" uuid,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "companies_workspace_id_company_id_pk" PRIMARY KEY("workspace_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "people" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text DEFAULT '' NOT NULL,
	"sort_name" text COLLATE "C" GENERATED ALWAYS AS (lower(btrim(first_name || ' ' || last_name))) STORED,
	"last_name_key" text COLLATE "C" GENERATED ALWAYS AS (lower(last_name)) STORED,
	"title" text,
	"street" text,
	"state" text,
	"postal_code" text,
	"city" text,
	"country" text,
	"owner_id" uuid,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"subject_categories" text[] DEFAULT '{}'::text[] NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "people_workspace_id_person_id_pk" PRIMARY KEY("workspace_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "person_companies" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"role" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "person_companies_workspace_id_person_id_company_id_pk" PRIMARY KEY("workspace_id","person_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "person_emails" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"email" text COLLATE "C" NOT NULL,
	"type" text NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "person_emails_workspace_id_person_id_email_pk" PRIMARY KEY("workspace_id","person_id","email")
);
--> statement-breakpoint
CREATE TABLE "person_phones" (
	"workspace_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"phone" text NOT NULL,
	"type" text NOT NULL,
	"is_primary" boolean DEFAULT false NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "person_phones_workspace_id_person_id_phone_pk" PRIMARY KEY("workspace_id","person_id","phone")
);
--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_companies" ADD CONSTRAINT "person_companies_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_companies" ADD CONSTRAINT "person_companies_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_emails" ADD CONSTRAINT "person_emails_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_phones" ADD CONSTRAINT "person_phones_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "companies_name_idx" ON "companies" USING btree ("workspace_id","name_key","company_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "companies_created_idx" ON "companies" USING btree ("workspace_id","created_at","company_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "companies_updated_idx" ON "companies" USING btree ("workspace_id","updated_at","company_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "companies_domain_idx" ON "companies" USING btree ("workspace_id","domain") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "companies_owner_idx" ON "companies" USING btree ("workspace_id","owner_id");--> statement-breakpoint
CREATE INDEX "companies_deleted_idx" ON "companies" USING btree ("workspace_id","deleted_at","company_id") WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX "companies_tags_idx" ON "companies" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "people_sort_name_idx" ON "people" USING btree ("workspace_id","sort_name","person_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "people_created_idx" ON "people" USING btree ("workspace_id","created_at","person_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "people_updated_idx" ON "people" USING btree ("workspace_id","updated_at","person_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "people_last_name_idx" ON "people" USING btree ("workspace_id","last_name_key") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "people_owner_idx" ON "people" USING btree ("workspace_id","owner_id");--> statement-breakpoint
CREATE INDEX "people_deleted_idx" ON "people" USING btree ("workspace_id","deleted_at","person_id") WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX "people_tags_idx" ON "people" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "people_subject_categories_idx" ON "people" USING gin ("subject_categories");--> statement-breakpoint
CREATE INDEX "person_companies_company_idx" ON "person_companies" USING btree ("workspace_id","company_id","person_id");--> statement-breakpoint
CREATE INDEX "person_emails_email_idx" ON "person_emails" USING btree ("workspace_id","email");--> statement-breakpoint
CREATE INDEX "person_phones_phone_idx" ON "person_phones" USING btree ("workspace_id","phone");