-- Custom migration: every statement that writes the figure tables bumps data_version.version, so processes can
-- cache query results keyed by it (src/services/data-version.ts). Statement-level: one bump per statement.
INSERT INTO "data_version" ("id", "version") VALUES (1, 1) ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "favor_bump_data_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "data_version" SET "version" = "version" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "cells_bump_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "cells"
  FOR EACH STATEMENT EXECUTE FUNCTION "favor_bump_data_version"();
--> statement-breakpoint
CREATE TRIGGER "runs_bump_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "runs"
  FOR EACH STATEMENT EXECUTE FUNCTION "favor_bump_data_version"();
--> statement-breakpoint
CREATE TRIGGER "models_bump_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "models"
  FOR EACH STATEMENT EXECUTE FUNCTION "favor_bump_data_version"();
--> statement-breakpoint
CREATE TRIGGER "devices_bump_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "devices"
  FOR EACH STATEMENT EXECUTE FUNCTION "favor_bump_data_version"();
--> statement-breakpoint
CREATE TRIGGER "metrics_bump_data_version" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "metrics"
  FOR EACH STATEMENT EXECUTE FUNCTION "favor_bump_data_version"();
