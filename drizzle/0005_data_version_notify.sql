-- Custom migration: a bump of data_version also notifies channel favor_data_version with the new version
-- (delivered at commit), so every process keeps the current version from notifications instead of reading
-- it on each request (src/services/data-version.ts).
CREATE OR REPLACE FUNCTION "favor_bump_data_version"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bumped bigint;
BEGIN
  UPDATE "data_version" SET "version" = "version" + 1 WHERE "id" = 1 RETURNING "version" INTO bumped;
  PERFORM pg_notify('favor_data_version', bumped::text);
  RETURN NULL;
END;
$$;
