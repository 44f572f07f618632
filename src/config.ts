/** Favor's configuration, read once from the environment (see README "Configuration"). */
export interface FavorConfig {
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Real PostgreSQL connection string; undefined = embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory. */
  dataDir: string;
  /** `NODE_ENV=production`: errors are masked, no stack traces. */
  production: boolean;
  /** Bearer tokens allowed to call mutations (empty = mutations refused). */
  tokens: readonly string[];
  /** Run the measurement worker inside the server process (issue 5). */
  worker: boolean;
}

/** Default PGlite data directory: a git-ignored subfolder of ./data (which holds the committed seed files). */
export const DEFAULT_DATA_DIR = "./data/pglite";

/** Returns the configuration read from `env`; throws naming the variable when a value is malformed. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): FavorConfig {
  const portText = env.PORT ?? "4000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer 0-65535, got "${portText}"`);
  }
  const workerText = env.FAVOR_WORKER ?? "1";
  if (workerText !== "0" && workerText !== "1") {
    throw new Error(`FAVOR_WORKER must be 0 or 1, got "${workerText}"`);
  }
  return {
    port,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.FAVOR_DATA_DIR || DEFAULT_DATA_DIR,
    production: env.NODE_ENV === "production",
    tokens: (env.FAVOR_TOKENS ?? "").split(",").map((t) => t.trim()).filter(Boolean),
    worker: workerText === "1",
  };
}
