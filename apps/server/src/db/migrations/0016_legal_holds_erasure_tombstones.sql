CREATE TABLE "erasures" (
	"workspace_id" uuid NOT NULL,
	"erasure_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"request_id" text,
	"reason" text NOT NULL,
	"state" text NOT NULL,
	"held_until" timestamp (3) with time zone,
	"certificate" jsonb NOT NULL,
	"audit_seq" integer,
	"erased_by" uuid,
	"erased_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "erasures_workspace_id_erasure_id_pk" PRIMARY KEY("workspace_id","erasure_id")
);
--> statement-breakpoint
CREATE TABLE "legal_holds" (
	"workspace_id" uuid NOT NULL,
	"hold_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	"table_name" text NOT NULL,
	"record_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"note" text,
	"until" timestamp (3) with time zone,
	"created_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp (3) with time zone,
	"released_by" uuid,
	CONSTRAINT "legal_holds_workspace_id_hold_id_pk" PRIMARY KEY("workspace_id","hold_id")
);
--> statement-breakpoint
CREATE TABLE "tombstones" (
	"workspace_id" uuid NOT NULL,
	"hash" text NOT NULL,
	"kind" text NOT NULL,
	"erasure_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"lifted_at" timestamp (3) with time zone,
	"lifted_by" uuid,
	"lift_consent_id" text,
	"lift_evidence" text,
	CONSTRAINT "tombstones_workspace_id_hash_pk" PRIMARY KEY("workspace_id","hash")
);
--> statement-breakpoint
ALTER TABLE "erasures" ADD CONSTRAINT "erasures_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "legal_holds" ADD CONSTRAINT "legal_holds_released_by_users_id_fk" FOREIGN KEY ("released_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tombstones" ADD CONSTRAINT "tombstones_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "erasures_person_idx" ON "erasures" USING btree ("workspace_id","person_id","erased_at");--> statement-breakpoint
CREATE INDEX "erasures_held_idx" ON "erasures" USING btree ("workspace_id","erasure_id") WHERE state = 'held';--> statement-breakpoint
CREATE INDEX "legal_holds_person_idx" ON "legal_holds" USING btree ("workspace_id","person_id");--> statement-breakpoint
CREATE INDEX "legal_holds_record_idx" ON "legal_holds" USING btree ("workspace_id","table_name","record_id");