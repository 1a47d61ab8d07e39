CREATE TABLE "retention_overrides" (
	"workspace_id" uuid NOT NULL,
	"rule_key" text NOT NULL,
	"days" integer NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "retention_overrides_workspace_id_rule_key_pk" PRIMARY KEY("workspace_id","rule_key")
);
--> statement-breakpoint
CREATE TABLE "support_access_events" (
	"workspace_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"grant_id" uuid NOT NULL,
	"operator_id" uuid NOT NULL,
	"object" text NOT NULL,
	"record_id" uuid,
	"action" text NOT NULL,
	"audit_seq" bigint NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "support_access_events_workspace_id_event_id_pk" PRIMARY KEY("workspace_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "support_access_grants" (
	"workspace_id" uuid NOT NULL,
	"grant_id" uuid NOT NULL,
	"scope" jsonb NOT NULL,
	"read_only" boolean DEFAULT true NOT NULL,
	"reason" text NOT NULL,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" uuid,
	CONSTRAINT "support_access_grants_workspace_id_grant_id_pk" PRIMARY KEY("workspace_id","grant_id")
);
--> statement-breakpoint
CREATE TABLE "workspace_terminations" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"terminated_at" timestamp (3) with time zone NOT NULL,
	"terminated_by" uuid
);
--> statement-breakpoint
ALTER TABLE "retention_overrides" ADD CONSTRAINT "retention_overrides_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retention_overrides" ADD CONSTRAINT "retention_overrides_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_access_events" ADD CONSTRAINT "support_access_events_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_access_grants" ADD CONSTRAINT "support_access_grants_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_access_grants" ADD CONSTRAINT "support_access_grants_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "support_access_grants" ADD CONSTRAINT "support_access_grants_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_terminations" ADD CONSTRAINT "workspace_terminations_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_terminations" ADD CONSTRAINT "workspace_terminations_terminated_by_users_id_fk" FOREIGN KEY ("terminated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "support_access_events_grant_idx" ON "support_access_events" USING btree ("workspace_id","grant_id","event_id");--> statement-breakpoint
CREATE INDEX "support_access_grants_active_idx" ON "support_access_grants" USING btree ("workspace_id","expires_at") WHERE revoked_at is null;