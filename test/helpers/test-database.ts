import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pg from "pg";

/** A database backend the tests can run against. */
export type Backend = "pglite" | "postgres";

/** Backends available here: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. Use with describe.each. */
export const BACKENDS: Backend[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

/** Where a fresh, empty database lives, and how to remove it. */
export interface ScratchDatabase {
  /** For PostgreSQL: the URL of the new database. */
  databaseUrl?: string;
  /** For PGlite: a new temp directory. */
  dataDir: string;
  /** Drops the database / removes the directory (call after closing every connection). */
  drop(): Promise<void>;
}

/**
 * Returns a fresh empty database: a temp PGlite directory, or `CREATE DATABASE favor_test_<random>` on the server
 * of TEST_DATABASE_URL (connecting through its `test` database), so test files can run in parallel.
 */
export async function createScratchDatabase(backend: Backend): Promise<ScratchDatabase> {
  if (backend === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "favor-test-"));
    return { dataDir: join(dataDir, "pglite"), drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set: the postgres backend is unavailable");
  const name = `favor_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir: join(tmpdir(), "favor-unused"),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
