ALTER TABLE "imports" ADD COLUMN "search_indexed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "search_cursor_kind" text;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "search_cursor_id" uuid;--> statement-breakpoint
-- Imports before this one wrote their search postings in their batches: nothing waits. The
-- update spans every workspace, which FORCE ROW LEVEL SECURITY would confine to none.
ALTER TABLE "imports" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
UPDATE "imports" SET "search_indexed_at" = coalesce("finished_at", "undone_at", "created_at") WHERE "status" IN ('done', 'failed', 'undone') OR "dry_run";--> statement-breakpoint
ALTER TABLE "imports" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "imports_search_pending_idx" ON "imports" USING btree ("workspace_id","created_at") WHERE search_indexed_at is null and status in ('done', 'failed');