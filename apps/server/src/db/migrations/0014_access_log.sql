CREATE TABLE "access_log" (
	"workspace_id" uuid NOT NULL,
	"entry_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"via" text NOT NULL,
	"subject_kind" text,
	"subject_id" uuid,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sealed_seq" bigint,
	CONSTRAINT "access_log_workspace_id_entry_id_pk" PRIMARY KEY("workspace_id","entry_id")
);
--> statement-breakpoint
CREATE INDEX "access_log_subject_idx" ON "access_log" USING btree ("workspace_id","subject_id","occurred_at","entry_id");--> statement-breakpoint
CREATE INDEX "access_log_unsealed_idx" ON "access_log" USING btree ("workspace_id","entry_id") WHERE sealed_seq is null;--> statement-breakpoint
CREATE INDEX "access_log_sealed_idx" ON "access_log" USING btree ("workspace_id","sealed_seq");