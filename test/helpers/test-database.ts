import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pg from "pg";

import { MIGRATIONS_FOLDER, openDatabase } from "../../src/db/client.js";
import { METRIC_CATALOG } from "../../src/db/metric-catalog.js";
import { MODELS_FILE, SEED_FILE } from "../../src/db/seed.js";

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
 * Returns a fresh database: a temp PGlite directory (a copy of a seeded template unless `empty`), or `CREATE DATABASE favor_test_<random>` on the server
 * of TEST_DATABASE_URL (connecting through its `test` database), so test files can run in parallel.
 */
export async function createScratchDatabase(
  backend: Backend,
  options: { empty?: boolean } = {},
): Promise<ScratchDatabase> {
  if (backend === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "favor-test-"));
    if (!options.empty) cpSync(await pgliteTemplate(), join(dataDir, "pglite"), { recursive: true });
    return {
      dataDir: join(dataDir, "pglite"),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
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

/**
 * Returns a migrated, seeded PGlite directory to copy (seeding takes seconds; copying 40 MB does not). It is built
 * once per content of migrations, seed files and metric catalogue (the hash names it), by whichever test file comes
 * first; a concurrent builder loses the final rename harmlessly. Opening a copy still runs migrate + seed, which
 * find nothing to do, so the copy is exactly what `npm start` would produce.
 */
async function pgliteTemplate(): Promise<string> {
  const hash = createHash("sha256");
  for (const file of readdirSync(MIGRATIONS_FOLDER, { recursive: true }).map(String).sort()) {
    if (file.endsWith(".sql") || file.endsWith(".json"))
      hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  hash
    .update(readFileSync(SEED_FILE))
    .update(readFileSync(MODELS_FILE))
    .update(JSON.stringify(METRIC_CATALOG));
  const template = join(tmpdir(), `favor-pglite-template-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(template)) return template;
  const building = mkdtempSync(join(tmpdir(), "favor-pglite-building-"));
  const database = await openDatabase({ dataDir: join(building, "pglite") });
  await database.close(); // also removes the lock file
  try {
    renameSync(join(building, "pglite"), template);
  } catch (error) {
    if (!existsSync(template)) throw error; // another file won the race: use its template
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return template;
}
