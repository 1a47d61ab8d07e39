CREATE TABLE "privacy_request_packages" (
	"workspace_id" uuid NOT NULL,
	"package_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"person_ids" uuid[] NOT NULL,
	"token_hash" text NOT NULL,
	"parts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"size_bytes" bigint,
	"error" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"ready_at" timestamp (3) with time zone,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"downloads" integer DEFAULT 0 NOT NULL,
	"purged_at" timestamp (3) with time zone,
	CONSTRAINT "privacy_request_packages_workspace_id_package_id_pk" PRIMARY KEY("workspace_id","package_id")
);
--> statement-breakpoint
CREATE TABLE "privacy_request_people" (
	"workspace_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "privacy_request_people_workspace_id_request_id_person_id_pk" PRIMARY KEY("workspace_id","request_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "privacy_request_settings" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"authority_name" text,
	"authority_url" text,
	"contact_email" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid
);
--> statement-breakpoint
CREATE TABLE "privacy_request_steps" (
	"workspace_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"step_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"note" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"audit_seq" bigint NOT NULL,
	CONSTRAINT "privacy_request_steps_workspace_id_request_id_step_id_pk" PRIMARY KEY("workspace_id","request_id","step_id")
);
--> statement-breakpoint
CREATE TABLE "privacy_request_verifications" (
	"workspace_id" uuid NOT NULL,
	"verification_id" uuid NOT NULL,
	"email" text COLLATE "C" NOT NULL,
	"ip_hash" text NOT NULL,
	"kind" text NOT NULL,
	"details" text DEFAULT '' NOT NULL,
	"code_hash" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"confirmed_at" timestamp (3) with time zone,
	"request_id" uuid,
	CONSTRAINT "privacy_request_verifications_workspace_id_verification_id_pk" PRIMARY KEY("workspace_id","verification_id")
);
--> statement-breakpoint
CREATE TABLE "privacy_requests" (
	"workspace_id" uuid NOT NULL,
	"request_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"channel" text NOT NULL,
	"requester_email" text COLLATE "C",
	"details" text DEFAULT '' NOT NULL,
	"owner_id" uuid,
	"received_at" timestamp (3) with time zone NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"extended_at" timestamp (3) with time zone,
	"extension_reason" text,
	"repeat_extract" boolean DEFAULT false NOT NULL,
	"refusal_reason" text,
	"closed_at" timestamp (3) with time zone,
	"outcome" jsonb,
	"created_by" uuid,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "privacy_requests_workspace_id_request_id_pk" PRIMARY KEY("workspace_id","request_id")
);
--> statement-breakpoint
ALTER TABLE "privacy_request_packages" ADD CONSTRAINT "privacy_request_packages_workspace_id_request_id_privacy_requests_workspace_id_request_id_fk" FOREIGN KEY ("workspace_id","request_id") REFERENCES "public"."privacy_requests"("workspace_id","request_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_people" ADD CONSTRAINT "privacy_request_people_workspace_id_request_id_privacy_requests_workspace_id_request_id_fk" FOREIGN KEY ("workspace_id","request_id") REFERENCES "public"."privacy_requests"("workspace_id","request_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_people" ADD CONSTRAINT "privacy_request_people_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_settings" ADD CONSTRAINT "privacy_request_settings_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_settings" ADD CONSTRAINT "privacy_request_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_steps" ADD CONSTRAINT "privacy_request_steps_workspace_id_request_id_privacy_requests_workspace_id_request_id_fk" FOREIGN KEY ("workspace_id","request_id") REFERENCES "public"."privacy_requests"("workspace_id","request_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_request_verifications" ADD CONSTRAINT "privacy_request_verifications_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD CONSTRAINT "privacy_requests_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "privacy_request_packages_request_idx" ON "privacy_request_packages" USING btree ("workspace_id","request_id");--> statement-breakpoint
CREATE INDEX "privacy_request_packages_token_idx" ON "privacy_request_packages" USING btree ("workspace_id","token_hash");--> statement-breakpoint
CREATE INDEX "privacy_request_packages_open_idx" ON "privacy_request_packages" USING btree ("workspace_id","package_id") WHERE state in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "privacy_request_packages_expires_idx" ON "privacy_request_packages" USING btree ("workspace_id","expires_at") WHERE purged_at is null;--> statement-breakpoint
CREATE INDEX "privacy_request_people_person_idx" ON "privacy_request_people" USING btree ("workspace_id","person_id","received_at","request_id");--> statement-breakpoint
CREATE INDEX "privacy_request_verifications_email_idx" ON "privacy_request_verifications" USING btree ("workspace_id","email","created_at");--> statement-breakpoint
CREATE INDEX "privacy_request_verifications_ip_idx" ON "privacy_request_verifications" USING btree ("workspace_id","ip_hash","created_at");--> statement-breakpoint
CREATE INDEX "privacy_request_verifications_expires_idx" ON "privacy_request_verifications" USING btree ("workspace_id","expires_at");--> statement-breakpoint
CREATE INDEX "privacy_requests_due_idx" ON "privacy_requests" USING btree ("workspace_id","due_at","request_id");--> statement-breakpoint
CREATE INDEX "privacy_requests_status_idx" ON "privacy_requests" USING btree ("workspace_id","status","due_at","request_id");--> statement-breakpoint
CREATE INDEX "privacy_requests_email_idx" ON "privacy_requests" USING btree ("workspace_id","requester_email");--> statement-breakpoint
CREATE INDEX "audit_entries_target_idx" ON "audit_entries" USING btree ("workspace_id","target_id");--> statement-breakpoint
CREATE INDEX "import_items_record_idx" ON "import_items" USING btree ("workspace_id","record_id");