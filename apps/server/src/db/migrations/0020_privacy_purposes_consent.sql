CREATE TABLE "consent_confirmations" (
	"workspace_id" uuid NOT NULL,
	"confirmation_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"purpose_key" text NOT NULL,
	"email" text NOT NULL,
	"notice_version" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"record_id" uuid,
	CONSTRAINT "consent_confirmations_workspace_id_confirmation_id_pk" PRIMARY KEY("workspace_id","confirmation_id")
);
--> statement-breakpoint
CREATE TABLE "consent_records" (
	"workspace_id" uuid NOT NULL,
	"record_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"purpose_key" text NOT NULL,
	"state" text NOT NULL,
	"method" text NOT NULL,
	"notice_version" integer NOT NULL,
	"notice_text_hash" text NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"ip" text,
	"user_agent" text,
	"proof" text,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "consent_records_workspace_id_record_id_pk" PRIMARY KEY("workspace_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "person_objections" (
	"workspace_id" uuid NOT NULL,
	"objection_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"purpose_key" text DEFAULT '' NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"recorded_by_kind" text NOT NULL,
	"recorded_by" uuid,
	"withdrawn_at" timestamp with time zone,
	"withdrawn_by" uuid,
	CONSTRAINT "person_objections_workspace_id_objection_id_pk" PRIMARY KEY("workspace_id","objection_id")
);
--> statement-breakpoint
CREATE TABLE "person_restrictions" (
	"workspace_id" uuid NOT NULL,
	"restriction_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"request_id" uuid,
	"restricted_at" timestamp with time zone NOT NULL,
	"restricted_by_kind" text NOT NULL,
	"restricted_by" uuid,
	"lifted_at" timestamp with time zone,
	"lifted_by_kind" text,
	"lifted_by" uuid,
	"lift_reason" text,
	CONSTRAINT "person_restrictions_workspace_id_restriction_id_pk" PRIMARY KEY("workspace_id","restriction_id")
);
--> statement-breakpoint
CREATE TABLE "privacy_notices" (
	"workspace_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"body" text NOT NULL,
	"text_hash" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"published_by" uuid,
	CONSTRAINT "privacy_notices_workspace_id_version_pk" PRIMARY KEY("workspace_id","version")
);
--> statement-breakpoint
CREATE TABLE "privacy_purposes" (
	"workspace_id" uuid NOT NULL,
	"purpose_key" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"legal_basis" text NOT NULL,
	"kind" text NOT NULL,
	"categories" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"retention" text NOT NULL,
	"retention_days" integer,
	"objectable" boolean NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"archived_at" timestamp with time zone,
	CONSTRAINT "privacy_purposes_workspace_id_purpose_key_pk" PRIMARY KEY("workspace_id","purpose_key")
);
--> statement-breakpoint
ALTER TABLE "consent_confirmations" ADD CONSTRAINT "consent_confirmations_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consent_records" ADD CONSTRAINT "consent_records_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_objections" ADD CONSTRAINT "person_objections_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "person_restrictions" ADD CONSTRAINT "person_restrictions_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_notices" ADD CONSTRAINT "privacy_notices_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_notices" ADD CONSTRAINT "privacy_notices_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_purposes" ADD CONSTRAINT "privacy_purposes_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_purposes" ADD CONSTRAINT "privacy_purposes_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consent_confirmations_person_idx" ON "consent_confirmations" USING btree ("workspace_id","person_id");--> statement-breakpoint
CREATE INDEX "consent_records_person_idx" ON "consent_records" USING btree ("workspace_id","person_id","purpose_key","recorded_at","record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "person_objections_active_idx" ON "person_objections" USING btree ("workspace_id","person_id","scope","purpose_key") WHERE withdrawn_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "person_restrictions_active_idx" ON "person_restrictions" USING btree ("workspace_id","person_id") WHERE lifted_at is null;--> statement-breakpoint
CREATE INDEX "person_restrictions_person_idx" ON "person_restrictions" USING btree ("workspace_id","person_id","restricted_at");--> statement-breakpoint
-- The consent ledger is append-only (P-CK-2): a consent changes by a new record, never by an
-- edit. The one update allowed re-points records to another person (a duplicate merge).
CREATE OR REPLACE FUNCTION consent_records_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (to_jsonb(NEW) - 'person_id') = (to_jsonb(OLD) - 'person_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'consent_records is append-only: a consent is changed by a new record' USING ERRCODE = 'check_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER consent_records_no_update BEFORE UPDATE ON "consent_records" FOR EACH ROW EXECUTE FUNCTION consent_records_no_update();
--> statement-breakpoint
-- Records are deleted only as a person's whole ledger (erasure, the trash purge, the person's
-- deletion): a statement that would leave part of someone's ledger behind is refused, so no
-- single choice (a withdrawal) can be removed to change what the ledger says.
CREATE OR REPLACE FUNCTION consent_records_whole_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM consent_records c
      JOIN (SELECT DISTINCT workspace_id, person_id FROM gone) g
        ON c.workspace_id = g.workspace_id AND c.person_id = g.person_id
  ) THEN
    RAISE EXCEPTION 'consent_records is append-only: records are deleted only as a person''s whole ledger' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER consent_records_whole_ledger AFTER DELETE ON "consent_records" REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION consent_records_whole_ledger();
