-- people.photo_file_id: ON DELETE SET NULL of that column only (PostgreSQL 15+), so that a
-- purged photo file clears the photo and never the workspace_id of the person.
CREATE TABLE "files" (
	"workspace_id" uuid NOT NULL,
	"file_id" uuid NOT NULL,
	"record_kind" text NOT NULL,
	"record_id" uuid NOT NULL,
	"person_id" uuid,
	"purpose" text DEFAULT 'attachment' NOT NULL,
	"name" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"thumbnail_state" text DEFAULT 'none' NOT NULL,
	"thumbnail_key" text,
	"uploaded_by" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	"deleted_by" uuid,
	CONSTRAINT "files_workspace_id_file_id_pk" PRIMARY KEY("workspace_id","file_id")
);
--> statement-breakpoint
CREATE TABLE "workspace_storage" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"used_bytes" bigint DEFAULT 0 NOT NULL,
	"file_count" bigint DEFAULT 0 NOT NULL,
	"quota_bytes" bigint,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "people" ADD COLUMN "photo_file_id" uuid;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_deleted_by_users_id_fk" FOREIGN KEY ("deleted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_storage" ADD CONSTRAINT "workspace_storage_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "files_record_idx" ON "files" USING btree ("workspace_id","record_kind","record_id","created_at","file_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "files_record_all_idx" ON "files" USING btree ("workspace_id","record_id");--> statement-breakpoint
CREATE INDEX "files_person_idx" ON "files" USING btree ("workspace_id","person_id");--> statement-breakpoint
CREATE INDEX "files_deleted_idx" ON "files" USING btree ("workspace_id","deleted_at","file_id") WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX "files_thumbnail_pending_idx" ON "files" USING btree ("workspace_id","file_id") WHERE thumbnail_state = 'pending';--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_workspace_id_photo_file_id_files_workspace_id_file_id_fk" FOREIGN KEY ("workspace_id","photo_file_id") REFERENCES "public"."files"("workspace_id","file_id") ON DELETE SET NULL ("photo_file_id");--> statement-breakpoint
CREATE INDEX "people_photo_idx" ON "people" USING btree ("workspace_id","photo_file_id") WHERE photo_file_id is not null;