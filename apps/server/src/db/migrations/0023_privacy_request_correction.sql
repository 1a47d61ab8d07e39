ALTER TABLE "privacy_request_verifications" ADD COLUMN "correction" jsonb;--> statement-breakpoint
ALTER TABLE "privacy_requests" ADD COLUMN "correction" jsonb;