-- The planner needs to know how many postings a common word has: with the default sample
-- (100 most common values) the email numbers crowd the names out of the statistics, so
-- a common name is estimated at a few hundred postings instead of tens of thousands, and
-- two common words are probed posting by posting instead of merge-joined (issue 5).
ALTER TABLE "person_search_terms" ALTER COLUMN "term" SET STATISTICS 1000;--> statement-breakpoint
ALTER TABLE "company_search_terms" ALTER COLUMN "term" SET STATISTICS 1000;
