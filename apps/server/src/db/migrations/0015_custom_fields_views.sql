CREATE TABLE "company_field_values" (
	"workspace_id" uuid NOT NULL,
	"field_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"ordinal" integer DEFAULT 0 NOT NULL,
	"value_text" text COLLATE "C",
	"value_number" double precision,
	"value_date" date,
	"value_bool" boolean,
	CONSTRAINT "company_field_values_workspace_id_field_id_company_id_ordinal_pk" PRIMARY KEY("workspace_id","field_id","company_id","ordinal")
);
--> statement-breakpoint
CREATE TABLE "custom_fields" (
	"workspace_id" uuid NOT NULL,
	"field_id" uuid NOT NULL,
	"object" text NOT NULL,
	"key" text NOT NULL,
	"label" text NOT NULL,
	"type" text NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"personal" boolean NOT NULL,
	"category" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "custom_fields_workspace_id_field_id_pk" PRIMARY KEY("workspace_id","field_id")
);
--> statement-breakpoint
CREATE TABLE "deal_field_values" (
	"workspace_id" uuid NOT NULL,
	"field_id" uuid NOT NULL,
	"deal_id" uuid NOT NULL,
	"ordinal" integer DEFAULT 0 NOT NULL,
	"value_text" text COLLATE "C",
	"value_number" double precision,
	"value_date" date,
	"value_bool" boolean,
	CONSTRAINT "deal_field_values_workspace_id_field_id_deal_id_ordinal_pk" PRIMARY KEY("workspace_id","field_id","deal_id","ordinal")
);
--> statement-breakpoint
CREATE TABLE "person_field_values" (
	"workspace_id" uuid NOT NULL,
	"field_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"ordinal" integer DEFAULT 0 NOT NULL,
	"value_text" text COLLATE "C",
	"value_number" double precision,
	"value_date" date,
	"value_bool" boolean,
	CONSTRAINT "person_field_values_workspace_id_field_id_person_id_ordinal_pk" PRIMARY KEY("workspace_id","field_id","person_id","ordinal")
);
--> statement-breakpoint
CREATE TABLE "saved_views" (
	"workspace_id" uuid NOT NULL,
	"view_id" uuid NOT NULL,
	"object" text NOT NULL,
	"name" text NOT NULL,
	"owner_id" uuid,
	"shared" boolean DEFAULT false NOT NULL,
	"columns" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"filters" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sort" jsonb,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "saved_views_workspace_id_view_id_pk" PRIMARY KEY("workspace_id","view_id")
);
--> statement-breakpoint
ALTER TABLE "company_field_values" ADD CONSTRAINT "company_field_values_workspace_id_field_id_custom_fields_workspace_id_field_id_fk" FOREIGN KEY ("workspace_id","field_id") REFERENCES "public"."custom_fields"("workspace_id","field_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "company_field_values" ADD CONSTRAINT "company_field_values_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custom_fields" ADD CONSTRAINT "custom_fields_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_field_values" ADD CONSTRAINT "deal_field_values_workspace_id_field_id_custom_fields_workspace_id_field_id_fk" FOREIGN KEY ("workspace_id","field_id") REFERENCES "public"."custom_fields"("workspace_id","field_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deal_field_values" ADD CONSTRAINT "deal_field_values_workspace_id_deal_id_deals_workspace_id_deal_id_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","deal_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_field_values" ADD CONSTRAINT "person_field_values_workspace_id_field_id_custom_fields_workspace_id_field_id_fk" FOREIGN KEY ("workspace_id","field_id") REFERENCES "public"."custom_fields"("workspace_id","field_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_field_values" ADD CONSTRAINT "person_field_values_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "saved_views" ADD CONSTRAINT "saved_views_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "company_field_values_record_idx" ON "company_field_values" USING btree ("workspace_id","company_id");--> statement-breakpoint
CREATE INDEX "company_field_values_text_idx" ON "company_field_values" USING btree ("workspace_id","field_id","value_text","company_id") WHERE value_text is not null;--> statement-breakpoint
CREATE INDEX "company_field_values_number_idx" ON "company_field_values" USING btree ("workspace_id","field_id","value_number","company_id") WHERE value_number is not null;--> statement-breakpoint
CREATE INDEX "company_field_values_date_idx" ON "company_field_values" USING btree ("workspace_id","field_id","value_date","company_id") WHERE value_date is not null;--> statement-breakpoint
CREATE INDEX "company_field_values_bool_idx" ON "company_field_values" USING btree ("workspace_id","field_id","value_bool","company_id") WHERE value_bool is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "custom_fields_key_idx" ON "custom_fields" USING btree ("workspace_id","object","key");--> statement-breakpoint
CREATE INDEX "deal_field_values_record_idx" ON "deal_field_values" USING btree ("workspace_id","deal_id");--> statement-breakpoint
CREATE INDEX "deal_field_values_text_idx" ON "deal_field_values" USING btree ("workspace_id","field_id","value_text","deal_id") WHERE value_text is not null;--> statement-breakpoint
CREATE INDEX "deal_field_values_number_idx" ON "deal_field_values" USING btree ("workspace_id","field_id","value_number","deal_id") WHERE value_number is not null;--> statement-breakpoint
CREATE INDEX "deal_field_values_date_idx" ON "deal_field_values" USING btree ("workspace_id","field_id","value_date","deal_id") WHERE value_date is not null;--> statement-breakpoint
CREATE INDEX "deal_field_values_bool_idx" ON "deal_field_values" USING btree ("workspace_id","field_id","value_bool","deal_id") WHERE value_bool is not null;--> statement-breakpoint
CREATE INDEX "person_field_values_record_idx" ON "person_field_values" USING btree ("workspace_id","person_id");--> statement-breakpoint
CREATE INDEX "person_field_values_text_idx" ON "person_field_values" USING btree ("workspace_id","field_id","value_text","person_id") WHERE value_text is not null;--> statement-breakpoint
CREATE INDEX "person_field_values_number_idx" ON "person_field_values" USING btree ("workspace_id","field_id","value_number","person_id") WHERE value_number is not null;--> statement-breakpoint
CREATE INDEX "person_field_values_date_idx" ON "person_field_values" USING btree ("workspace_id","field_id","value_date","person_id") WHERE value_date is not null;--> statement-breakpoint
CREATE INDEX "person_field_values_bool_idx" ON "person_field_values" USING btree ("workspace_id","field_id","value_bool","person_id") WHERE value_bool is not null;--> statement-breakpoint
CREATE INDEX "saved_views_object_idx" ON "saved_views" USING btree ("workspace_id","object","shared","owner_id");