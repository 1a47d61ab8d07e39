CREATE TABLE "erasure_ledger_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"events" integer NOT NULL,
	"replayed_at" timestamp (3) with time zone
);
--> statement-breakpoint
DROP INDEX "consent_records_person_idx";--> statement-breakpoint
ALTER TABLE "consent_records" ADD COLUMN "seq" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "consent_records_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "consent_records" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "privacy_purposes" ADD COLUMN "consent_months" integer;--> statement-breakpoint
CREATE INDEX "consent_records_expiry_idx" ON "consent_records" USING btree ("workspace_id","expires_at") WHERE state = 'given' and expires_at is not null;--> statement-breakpoint
CREATE INDEX "consent_records_person_idx" ON "consent_records" USING btree ("workspace_id","person_id","purpose_key","recorded_at","seq");