import { fileURLToPath } from "node:url";

import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";

import { logger } from "../observability/logger.js";
import { lockDataDir } from "./data-dir-lock.js";
import * as schema from "./schema/index.js";
import { seedDatabase } from "./seed.js";

/** The drizzle database every service uses, whichever driver is underneath. */
export type FavorDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database: the drizzle handle plus what the server needs to check and close it. */
export interface FavorDatabase {
  db: FavorDb;
  /** `pglite` (embedded, one process) or `postgres` (DATABASE_URL). */
  kind: "pglite" | "postgres";
  /** Resolves when a trivial query succeeds; rejects otherwise (used by /healthz). */
  ping(): Promise<void>;
  /** Closes connections and releases the data-dir lock. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent, PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory (created if missing). */
  dataDir: string;
  /** Apply migrations (default true). */
  migrate?: boolean;
  /** Upsert the metric catalogue and seed the benchmark data when the database is empty (default true). */
  seed?: boolean;
  /** node-postgres pool size (default 10). */
  poolSize?: number;
}

/** drizzle/ at the repository root, found relative to this file so the working directory does not matter. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

// Any constant: serialises migrate+seed across processes that share one PostgreSQL.
const MIGRATION_LOCK_KEY = 7_216_301;

/**
 * Opens PostgreSQL (`databaseUrl`) or PGlite (`dataDir`), applies the committed migrations, upserts the metric
 * catalogue and seeds an empty database; returns the open database. PGlite's data dir is locked against a second
 * process (DataDirLockedError).
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<FavorDatabase> {
  const prepare = async (db: FavorDb) => {
    if (options.migrate !== false) {
      // The two migrators take their own driver's type; the schema and SQL are the same.
      if (options.databaseUrl) await migrateNodePg(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
      else await migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    }
    if (options.seed !== false) await seedDatabase(db);
  };

  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    pool.on("error", (error) => logger.error({ err: error }, "postgres pool error"));
    try {
      const client = await pool.connect();
      try {
        await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
        await prepare(drizzleNodePg({ client, schema }));
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    const db: FavorDb = drizzleNodePg({ client: pool, schema });
    let closed = false;
    return {
      db,
      kind: "postgres",
      ping: async () => void (await pool.query("SELECT 1")),
      close: async () => {
        if (closed) return;
        closed = true;
        await pool.end();
      },
    };
  }

  const lock = await lockDataDir(options.dataDir);
  let client: PGlite | undefined;
  try {
    client = new PGlite(options.dataDir);
    await client.waitReady;
    const db: FavorDb = drizzlePglite({ client, schema });
    await prepare(db);
    const pglite = client;
    let closed = false;
    return {
      db,
      kind: "pglite",
      ping: async () => void (await pglite.query("SELECT 1")),
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    await client?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
}

/**
 * Runs a raw SQL query and returns its rows as `T` (both drivers return `{ rows }`; the caller's `T` names the
 * columns its SELECT writes, so keep each such query next to its row type in src/db/queries).
 */
export async function queryRows<T>(db: FavorDb, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (!hasRows(result)) throw new Error("database driver returned no rows array");
  return result.rows as T[];
}

function hasRows(result: unknown): result is { rows: unknown[] } {
  return typeof result === "object" && result !== null && Array.isArray((result as { rows?: unknown }).rows);
}

export { sql };
