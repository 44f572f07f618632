CREATE TYPE "public"."cell_source" AS ENUM('paper', 'measured');--> statement-breakpoint
CREATE TYPE "public"."device_kind" AS ENUM('cpu', 'gpu');--> statement-breakpoint
CREATE TYPE "public"."metric_direction" AS ENUM('HIGHER', 'LOWER');--> statement-breakpoint
CREATE TYPE "public"."metric_stage" AS ENUM('QUALITY', 'THEORETICAL', 'INFERENCE', 'TRAINING');--> statement-breakpoint
CREATE TABLE "cells" (
	"id" serial PRIMARY KEY NOT NULL,
	"run_id" integer,
	"model_id" integer,
	"resolution" integer,
	"metric_key" text NOT NULL,
	"device_id" integer,
	"batch_size" integer,
	"value" double precision NOT NULL,
	"source" "cell_source" NOT NULL,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"job_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cells_figure_unique" UNIQUE NULLS NOT DISTINCT("run_id","model_id","resolution","metric_key","device_id","batch_size"),
	CONSTRAINT "cells_subject_check" CHECK (("cells"."run_id" IS NOT NULL AND "cells"."model_id" IS NULL AND "cells"."resolution" IS NULL) OR ("cells"."run_id" IS NULL AND "cells"."model_id" IS NOT NULL AND "cells"."resolution" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" "device_kind" NOT NULL,
	"description" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "devices_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"key" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"unit" text NOT NULL,
	"direction" "metric_direction" NOT NULL,
	"stage" "metric_stage" NOT NULL,
	"per_device" boolean NOT NULL,
	"batch_size" integer,
	"description" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"source_id" text NOT NULL,
	"family" text NOT NULL,
	"size" text NOT NULL,
	"patch_size" integer,
	"taxonomy_class" text NOT NULL,
	"changes_what" text NOT NULL,
	"changes_how" text NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name"),
	CONSTRAINT "models_source_id_unique" UNIQUE("source_id")
);
--> statement-breakpoint
CREATE TABLE "run_epochs" (
	"run_id" integer NOT NULL,
	"epoch" integer NOT NULL,
	"loss" double precision,
	"time" double precision,
	"learning_rate" double precision,
	"acc1" double precision,
	"acc5" double precision,
	"grad_norm_avg" double precision,
	"grad_norm_max" double precision,
	"inf_grad_norm" double precision,
	"grad_norm_p20" double precision,
	"grad_norm_p80" double precision,
	"validation_loss" double precision,
	"validation_time" double precision,
	"val_acc1" double precision,
	"val_acc5" double precision,
	"time_sum" double precision,
	"validation_time_sum" double precision,
	CONSTRAINT "run_epochs_run_id_epoch_pk" PRIMARY KEY("run_id","epoch")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"experiment_id" text NOT NULL,
	"run_name" text NOT NULL,
	"run_date" text NOT NULL,
	"device_id" integer NOT NULL,
	"gpu_count" integer NOT NULL,
	"pretrain_resolution" integer NOT NULL,
	"resolution" integer NOT NULL,
	"pretrain_dataset" text NOT NULL,
	"dataset" text NOT NULL,
	"hyperparameters" jsonb NOT NULL,
	"pretrain_hyperparameters" jsonb NOT NULL,
	CONSTRAINT "runs_name_date_unique" UNIQUE("run_name","run_date")
);
--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_metric_key_metrics_key_fk" FOREIGN KEY ("metric_key") REFERENCES "public"."metrics"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cells" ADD CONSTRAINT "cells_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_epochs" ADD CONSTRAINT "run_epochs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cells_run_idx" ON "cells" USING btree ("run_id","metric_key");--> statement-breakpoint
CREATE INDEX "cells_model_resolution_idx" ON "cells" USING btree ("model_id","resolution","metric_key");--> statement-breakpoint
CREATE INDEX "runs_model_resolution_idx" ON "runs" USING btree ("model_id","resolution");