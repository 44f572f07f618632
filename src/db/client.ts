import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from "drizzle-orm/pg-core";
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
  /**
   * Subscribes to PostgreSQL notifications on `channel` (NOTIFY from any process on the same database):
   * `payload` for each one, `state(true)` once the subscription is live and again after every reconnect,
   * `state(false)` when it is lost (notifications may have been missed until the next `state(true)`).
   * Returns the unsubscribe function; `close` ends every subscription.
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>>;
  /** Closes connections and releases the data-dir lock. Idempotent. */
  close(): Promise<void>;
}

/** What a `listen` subscriber is told. */
export interface NotificationHandlers {
  payload(text: string): void;
  state(listening: boolean): void;
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
    const listener = new PgListener(options.databaseUrl);
    let closed = false;
    return {
      db,
      kind: "postgres",
      ping: async () => void (await pool.query("SELECT 1")),
      listen: (channel, handlers) => listener.listen(channel, handlers),
      close: async () => {
        if (closed) return;
        closed = true;
        await Promise.all([listener.close(), pool.end()]);
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
      // One process owns a PGlite database, and it delivers a NOTIFY before the committing query resolves.
      listen: async (channel, handlers) => {
        const unlisten = await pglite.listen(channel, (payload) => handlers.payload(payload));
        handlers.state(true);
        return async () => {
          if (!closed) await unlisten();
        };
      },
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

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 30_000;

/**
 * One dedicated connection (outside the pool: a pooled connection would drop its LISTENs when released) that
 * listens on every subscribed channel and reconnects with exponential backoff when it is lost.
 */
class PgListener {
  private client?: pg.Client;
  private connecting?: Promise<void>;
  private readonly subscribers = new Map<string, Set<NotificationHandlers>>();
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly connectionString: string) {}

  async listen(channel: string, handlers: NotificationHandlers): Promise<() => Promise<void>> {
    const first = !this.subscribers.has(channel);
    const set = this.subscribers.get(channel) ?? new Set<NotificationHandlers>();
    this.subscribers.set(channel, set);
    set.add(handlers);
    if (this.client && !this.connecting) {
      if (first) await this.client.query(`LISTEN ${quoteIdentifier(channel)}`);
      handlers.state(true);
    } else await this.connect().catch(() => undefined); // a failed connect retries; state(true) follows it
    return async () => {
      set.delete(handlers);
      if (set.size > 0) return;
      this.subscribers.delete(channel);
      await this.client?.query(`UNLISTEN ${quoteIdentifier(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (error) logger.warn({ err: error }, "postgres notification listener lost; reconnecting");
      for (const set of this.subscribers.values()) for (const h of set) h.state(false);
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      for (const h of this.subscribers.get(message.channel) ?? []) h.payload(message.payload ?? "");
    });
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${quoteIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      throw error;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    for (const set of this.subscribers.values()) for (const h of set) h.state(true);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
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

/**
 * Most statement texts one process runs as named prepared statements. PostgreSQL keeps each one's plan per pooled
 * connection: about 270 kB for the subject page (its CachedPlan, CachedPlanSource and CachedPlanQuery contexts), so
 * at most about 86 MB over a pool of 10 even if clients send 32 shapes of filter; dashboards use a handful.
 */
export const MAX_PREPARED_STATEMENTS = 32;
const preparedNames = new Map<string, string>();
const dialect = new PgDialect();

/**
 * Runs a raw SQL query like {@link queryRows}, as a named prepared statement on PostgreSQL (PGlite ignores the
 * name): a connection parses and plans each text once, then binds new values to it (the subject page's planning
 * took as long as its execution). The name is a hash of the text; past MAX_PREPARED_STATEMENTS texts, a new text
 * runs unnamed, so clients sending ever new shapes cannot grow the server's or PostgreSQL's memory.
 */
export async function queryRowsPrepared<T>(db: FavorDb, query: SQL): Promise<T[]> {
  const built = dialect.sqlToQuery(query);
  let name = preparedNames.get(built.sql);
  if (name === undefined && preparedNames.size < MAX_PREPARED_STATEMENTS) {
    name = `favor_${createHash("sha256").update(built.sql).digest("hex").slice(0, 32)}`;
    preparedNames.set(built.sql, name);
  }
  const result: unknown = await db._.session.prepareQuery(built, undefined, name, false).execute();
  if (!hasRows(result)) throw new Error("database driver returned no rows array");
  return result.rows as T[];
}

function hasRows(result: unknown): result is { rows: unknown[] } {
  return typeof result === "object" && result !== null && Array.isArray((result as { rows?: unknown }).rows);
}

export { sql };
