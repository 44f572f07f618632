CREATE TYPE "public"."measurement_cell_status" AS ENUM('pending', 'running', 'done', 'failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."measurement_job_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "measurement_job_cells" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint NOT NULL,
	"model_id" integer NOT NULL,
	"resolution" integer NOT NULL,
	"metric_key" text NOT NULL,
	"device_id" integer NOT NULL,
	"status" "measurement_cell_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"cell_id" integer,
	"duplicate_of_job_id" bigint,
	"reason_kind" text,
	"reason" text,
	"details" jsonb,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "measurement_job_cells_job_cell_unique" UNIQUE("job_id","model_id","resolution","metric_key")
);
--> statement-breakpoint
CREATE TABLE "measurement_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request" jsonb NOT NULL,
	"status" "measurement_job_status" DEFAULT 'queued' NOT NULL,
	"device_id" integer NOT NULL,
	"provider" text NOT NULL,
	"worker_id" text,
	"lease_until" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"claims" integer DEFAULT 0 NOT NULL,
	"current" jsonb,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "measurement_jobs_provider_check" CHECK ("measurement_jobs"."provider" IN ('cpu', 'cuda'))
);
--> statement-breakpoint
ALTER TABLE "measurement_job_cells" ADD CONSTRAINT "measurement_job_cells_job_id_measurement_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."measurement_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurement_job_cells" ADD CONSTRAINT "measurement_job_cells_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurement_job_cells" ADD CONSTRAINT "measurement_job_cells_metric_key_metrics_key_fk" FOREIGN KEY ("metric_key") REFERENCES "public"."metrics"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurement_job_cells" ADD CONSTRAINT "measurement_job_cells_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurement_job_cells" ADD CONSTRAINT "measurement_job_cells_cell_id_cells_id_fk" FOREIGN KEY ("cell_id") REFERENCES "public"."cells"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "measurement_jobs" ADD CONSTRAINT "measurement_jobs_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "measurement_job_cells_active_unique" ON "measurement_job_cells" USING btree ("model_id","resolution","metric_key","device_id") WHERE "measurement_job_cells"."status" IN ('pending', 'running');--> statement-breakpoint
CREATE INDEX "measurement_job_cells_job_idx" ON "measurement_job_cells" USING btree ("job_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "measurement_jobs_one_running_per_device" ON "measurement_jobs" USING btree ("device_id") WHERE "measurement_jobs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "measurement_jobs_status_idx" ON "measurement_jobs" USING btree ("status","id");--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_job_id_measurement_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."measurement_jobs"("id") ON DELETE set null ON UPDATE no action;