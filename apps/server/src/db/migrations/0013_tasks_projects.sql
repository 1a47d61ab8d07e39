-- The foreign keys of tasks.assignee_id, tasks.project_id, tasks.team_id and projects.team_id:
-- ON DELETE SET NULL of that column only (PostgreSQL 15+ column list; edited by hand, drizzle-kit cannot say it).
CREATE TABLE "notifications" (
	"workspace_id" uuid NOT NULL,
	"notification_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"task_id" uuid,
	"remind_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp (3) with time zone,
	"mail_state" text DEFAULT 'none' NOT NULL,
	"mailed_at" timestamp (3) with time zone,
	CONSTRAINT "notifications_workspace_id_notification_id_pk" PRIMARY KEY("workspace_id","notification_id")
);
--> statement-breakpoint
CREATE TABLE "project_companies" (
	"workspace_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	CONSTRAINT "project_companies_workspace_id_project_id_company_id_pk" PRIMARY KEY("workspace_id","project_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "project_deals" (
	"workspace_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"deal_id" uuid NOT NULL,
	CONSTRAINT "project_deals_workspace_id_project_id_deal_id_pk" PRIMARY KEY("workspace_id","project_id","deal_id")
);
--> statement-breakpoint
CREATE TABLE "project_members" (
	"workspace_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "project_members_workspace_id_project_id_user_id_pk" PRIMARY KEY("workspace_id","project_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"workspace_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"name_key" text COLLATE "C" GENERATED ALWAYS AS (lower(name)) STORED,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"start_date" date,
	"end_date" date,
	"owner_id" uuid,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "projects_workspace_id_project_id_pk" PRIMARY KEY("workspace_id","project_id")
);
--> statement-breakpoint
CREATE TABLE "task_companies" (
	"workspace_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	CONSTRAINT "task_companies_workspace_id_task_id_company_id_pk" PRIMARY KEY("workspace_id","task_id","company_id")
);
--> statement-breakpoint
CREATE TABLE "task_deals" (
	"workspace_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"deal_id" uuid NOT NULL,
	CONSTRAINT "task_deals_workspace_id_task_id_deal_id_pk" PRIMARY KEY("workspace_id","task_id","deal_id")
);
--> statement-breakpoint
CREATE TABLE "task_people" (
	"workspace_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"person_id" uuid NOT NULL,
	CONSTRAINT "task_people_workspace_id_task_id_person_id_pk" PRIMARY KEY("workspace_id","task_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"workspace_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"due_at" timestamp (3) with time zone,
	"due_key" timestamp (3) with time zone GENERATED ALWAYS AS (coalesce(due_at, '9999-12-31 00:00:00+00'::timestamptz)) STORED,
	"assignee_id" uuid,
	"status" text DEFAULT 'open' NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"priority" text DEFAULT 'normal' NOT NULL,
	"created_by" uuid,
	"project_id" uuid,
	"remind_at" timestamp (3) with time zone,
	"reminder_sent_at" timestamp (3) with time zone,
	"visibility" text DEFAULT 'workspace' NOT NULL,
	"team_id" uuid,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp (3) with time zone,
	CONSTRAINT "tasks_workspace_id_task_id_pk" PRIMARY KEY("workspace_id","task_id")
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_workspace_id_user_id_members_workspace_id_user_id_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."members"("workspace_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_workspace_id_task_id_tasks_workspace_id_task_id_fk" FOREIGN KEY ("workspace_id","task_id") REFERENCES "public"."tasks"("workspace_id","task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_companies" ADD CONSTRAINT "project_companies_workspace_id_project_id_projects_workspace_id_project_id_fk" FOREIGN KEY ("workspace_id","project_id") REFERENCES "public"."projects"("workspace_id","project_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_companies" ADD CONSTRAINT "project_companies_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_deals" ADD CONSTRAINT "project_deals_workspace_id_project_id_projects_workspace_id_project_id_fk" FOREIGN KEY ("workspace_id","project_id") REFERENCES "public"."projects"("workspace_id","project_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_deals" ADD CONSTRAINT "project_deals_workspace_id_deal_id_deals_workspace_id_deal_id_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","deal_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_workspace_id_project_id_projects_workspace_id_project_id_fk" FOREIGN KEY ("workspace_id","project_id") REFERENCES "public"."projects"("workspace_id","project_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_workspace_id_user_id_members_workspace_id_user_id_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."members"("workspace_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE SET NULL ("team_id") ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_companies" ADD CONSTRAINT "task_companies_workspace_id_task_id_tasks_workspace_id_task_id_fk" FOREIGN KEY ("workspace_id","task_id") REFERENCES "public"."tasks"("workspace_id","task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_companies" ADD CONSTRAINT "task_companies_workspace_id_company_id_companies_workspace_id_company_id_fk" FOREIGN KEY ("workspace_id","company_id") REFERENCES "public"."companies"("workspace_id","company_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_deals" ADD CONSTRAINT "task_deals_workspace_id_task_id_tasks_workspace_id_task_id_fk" FOREIGN KEY ("workspace_id","task_id") REFERENCES "public"."tasks"("workspace_id","task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_deals" ADD CONSTRAINT "task_deals_workspace_id_deal_id_deals_workspace_id_deal_id_fk" FOREIGN KEY ("workspace_id","deal_id") REFERENCES "public"."deals"("workspace_id","deal_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_people" ADD CONSTRAINT "task_people_workspace_id_task_id_tasks_workspace_id_task_id_fk" FOREIGN KEY ("workspace_id","task_id") REFERENCES "public"."tasks"("workspace_id","task_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_people" ADD CONSTRAINT "task_people_workspace_id_person_id_people_workspace_id_person_id_fk" FOREIGN KEY ("workspace_id","person_id") REFERENCES "public"."people"("workspace_id","person_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_workspace_id_workspaces_workspace_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("workspace_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_workspace_id_assignee_id_members_workspace_id_user_id_fk" FOREIGN KEY ("workspace_id","assignee_id") REFERENCES "public"."members"("workspace_id","user_id") ON DELETE SET NULL ("assignee_id") ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_workspace_id_project_id_projects_workspace_id_project_id_fk" FOREIGN KEY ("workspace_id","project_id") REFERENCES "public"."projects"("workspace_id","project_id") ON DELETE SET NULL ("project_id") ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_workspace_id_team_id_teams_workspace_id_team_id_fk" FOREIGN KEY ("workspace_id","team_id") REFERENCES "public"."teams"("workspace_id","team_id") ON DELETE SET NULL ("team_id") ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("workspace_id","user_id","notification_id");--> statement-breakpoint
CREATE INDEX "notifications_unread_idx" ON "notifications" USING btree ("workspace_id","user_id","notification_id") WHERE read_at is null;--> statement-breakpoint
CREATE INDEX "notifications_mail_idx" ON "notifications" USING btree ("workspace_id","notification_id") WHERE mail_state = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_reminder_unique" ON "notifications" USING btree ("workspace_id","task_id","user_id","remind_at");--> statement-breakpoint
CREATE INDEX "project_companies_company_idx" ON "project_companies" USING btree ("workspace_id","company_id","project_id");--> statement-breakpoint
CREATE INDEX "project_deals_deal_idx" ON "project_deals" USING btree ("workspace_id","deal_id","project_id");--> statement-breakpoint
CREATE INDEX "project_members_user_idx" ON "project_members" USING btree ("workspace_id","user_id","project_id");--> statement-breakpoint
CREATE INDEX "projects_name_idx" ON "projects" USING btree ("workspace_id","name_key","project_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "projects_created_idx" ON "projects" USING btree ("workspace_id","created_at","project_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "projects_updated_idx" ON "projects" USING btree ("workspace_id","updated_at","project_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "projects_owner_idx" ON "projects" USING btree ("workspace_id","owner_id");--> statement-breakpoint
CREATE INDEX "projects_deleted_idx" ON "projects" USING btree ("workspace_id","deleted_at","project_id") WHERE deleted_at is not null;--> statement-breakpoint
CREATE INDEX "task_companies_company_idx" ON "task_companies" USING btree ("workspace_id","company_id","task_id");--> statement-breakpoint
CREATE INDEX "task_deals_deal_idx" ON "task_deals" USING btree ("workspace_id","deal_id","task_id");--> statement-breakpoint
CREATE INDEX "task_people_person_idx" ON "task_people" USING btree ("workspace_id","person_id","task_id");--> statement-breakpoint
CREATE INDEX "tasks_due_idx" ON "tasks" USING btree ("workspace_id","due_key","task_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_created_idx" ON "tasks" USING btree ("workspace_id","created_at","task_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_updated_idx" ON "tasks" USING btree ("workspace_id","updated_at","task_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_assignee_due_idx" ON "tasks" USING btree ("workspace_id","assignee_id","due_key","task_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_project_due_idx" ON "tasks" USING btree ("workspace_id","project_id","due_key","task_id") WHERE deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_created_by_idx" ON "tasks" USING btree ("workspace_id","created_by");--> statement-breakpoint
CREATE INDEX "tasks_remind_idx" ON "tasks" USING btree ("workspace_id","remind_at","task_id") WHERE remind_at is not null and reminder_sent_at is null and deleted_at is null;--> statement-breakpoint
CREATE INDEX "tasks_deleted_idx" ON "tasks" USING btree ("workspace_id","deleted_at","task_id") WHERE deleted_at is not null;