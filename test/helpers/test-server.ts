import { type FavorConfig, loadConfig } from "../../src/config.js";
import { logger, setLogDestination } from "../../src/observability/logger.js";
import { type HttpRoute, type RunningServer, startServer } from "../../src/server.js";
import { BACKENDS, type Backend, createScratchDatabase } from "./test-database.js";

export { BACKENDS, type Backend };

/** A GraphQL response as the client sees it, plus the HTTP status. */
export interface GraphQLResult<TData = any> {
  status: number;
  data?: TData | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

/** A real Favor server over HTTP on a fresh database. */
export interface TestServer {
  backend: Backend;
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  server: RunningServer;
  /** POSTs a query to /graphql and returns status + parsed body. */
  graphql<TData = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResult<TData>>;
  /** Like `graphql`, but expects no errors (the assertion shows them) and returns `data`. */
  data<TData = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<TData>;
  /** Stops the server, closes its database and drops it. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Config overrides (e.g. `{ production: true }`). */
  config?: Partial<FavorConfig>;
  /** Routes besides /graphql (default: the server's ROUTES). */
  routes?: readonly HttpRoute[];
}

/**
 * Sends the process logger's lines (server, services, worker) into `lines`, parsed, at `level`, for a test file
 * that checks what Favor logs (each test file runs in its own process); `restore` gives them back to stdout.
 */
export function captureLogs(level: "debug" | "info" = "debug"): {
  lines: Array<Record<string, any>>;
  restore(): void;
} {
  const lines: Array<Record<string, any>> = [];
  const previous = logger.level;
  logger.level = level;
  setLogDestination({ write: (line: string) => void lines.push(JSON.parse(line)) });
  return {
    lines,
    restore() {
      setLogDestination();
      logger.level = previous;
    },
  };
}

/**
 * Starts the real server on a random port over a fresh database of `backend` (migrated and seeded exactly as
 * `npm start` does) and returns { url, graphql, stop }. Use one per test file:
 *
 *   describe.each(BACKENDS)("runs on %s", (backend) => {
 *     let api: TestServer;
 *     beforeAll(async () => (api = await startTestServer(backend)));
 *     afterAll(() => api.stop());
 *     it("...", async () => expect((await api.graphql("{ metrics { key } }")).data.metrics).toHaveLength(13));
 *   });
 */
export async function startTestServer(
  backend: Backend,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const scratch = await createScratchDatabase(backend);
  const config: FavorConfig = {
    ...loadConfig({}),
    // Measurement limits as the test file's environment sets them (FAVOR_MAX_CELLS_PER_JOB, FAVOR_ONNX_DIR, ...).
    measurement: loadConfig(process.env).measurement,
    port: 0,
    databaseUrl: scratch.databaseUrl,
    dataDir: scratch.dataDir,
    worker: false,
    ...options.config,
  };
  let server: RunningServer;
  try {
    server = await startServer({ config, routes: options.routes });
  } catch (error) {
    await scratch.drop();
    throw error;
  }
  const api: TestServer = {
    backend,
    url: server.url,
    server,
    async graphql(query, variables, headers) {
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResult, "status">;
      return { status: response.status, ...body };
    },
    async data(query, variables, headers) {
      const result = await api.graphql(query, variables, headers);
      if (result.errors) throw new Error(`expected no errors, got ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    async stop() {
      try {
        await server.stop();
      } finally {
        await scratch.drop();
      }
    },
  };
  return api;
}
