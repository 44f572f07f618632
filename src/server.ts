import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { ApolloServer, type ApolloServerPlugin, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLFormattedError, validate } from "graphql";
import type { Disposable } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";

import type { FavorConfig } from "./config.js";
import { type FavorDatabase, openDatabase } from "./db/client.js";
import { databaseGauges } from "./db/queries/observability.js";
import { compiledQueriesPlugin } from "./http/compiled-queries.js";
import { GracefulDrain } from "./http/graceful-drain.js";
import type { AppHandle, HttpRoute } from "./http/http-route.js";
import { AdmissionGate } from "./limits/admission-gate.js";
import { checkInputLimits } from "./limits/input-limits.js";
import { LimitsMemo } from "./limits/limits-memo.js";
import {
  CHEAP_COST,
  checkOperationLimits,
  type OperationLimits,
  QUERY_TOO_COMPLEX,
} from "./limits/operation-limits.js";
import { labelRoute, observeRequest } from "./observability/http.js";
import { type Logger, logger } from "./observability/logger.js";
import {
  graphqlMetricsPlugin,
  METRICS_CONTENT_TYPE,
  renderMetrics,
  responseCacheLookups,
} from "./observability/metrics.js";
import { portError, urlHost } from "./port-check.js";
import { buildFavorSchema } from "./resolvers/build-schema.js";
import type { FavorContext } from "./resolvers/index.js";
import { type CachedResponse, ResponseCache } from "./response-cache.js";
import { createBatchLoader, createServices } from "./services/index.js";
import { WEB_ROUTES, wantsExplorer } from "./web/web-routes.js";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 1 << 20;
/** How long `stop()` waits for in-flight requests before cutting their connections off. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** How long `stop()` waits for WebSocket clients to answer the close handshake before cutting them off. */
export const SOCKET_CLOSE_TIMEOUT_MS = 1_000;

export type { AppHandle, HttpRoute };

/** GET /healthz: 200 when the database answers within 2 s, 503 otherwise. */
export const healthzRoute: HttpRoute = {
  method: "GET",
  path: "/healthz",
  async handle(_req, res, app) {
    try {
      await withTimeout(app.services.database.ping(), 2000);
      sendJson(res, 200, { status: "ok", database: app.services.database.kind });
    } catch (error) {
      sendJson(res, 503, {
        status: "unavailable",
        database: app.services.database.kind,
        error: app.config.production ? "database unreachable" : String((error as Error).message),
      });
    }
  },
};

/** GET /metrics: Prometheus metrics of this process, with the queue and data version read from the database now. */
export const metricsRoute: HttpRoute = {
  method: "GET",
  path: "/metrics",
  async handle(_req, res, app) {
    const { database, dataVersion } = app.services;
    const text = await renderMetrics(() => databaseGauges(database.db, () => dataVersion.current()));
    res.statusCode = 200;
    res.setHeader("content-type", METRICS_CONTENT_TYPE);
    res.end(text);
  },
};

/** The server's HTTP routes besides /graphql, one entry per route (the dashboard's come from src/web). */
export const ROUTES: HttpRoute[] = [healthzRoute, metricsRoute, ...WEB_ROUTES];

export interface StartServerOptions {
  config: FavorConfig;
  /** An already open database; when absent the server opens (and on stop closes) one from `config`. */
  database?: FavorDatabase;
  /** Routes besides /graphql (default ROUTES). */
  routes?: readonly HttpRoute[];
  /** Where request and error lines go (default the process's logger, src/observability/logger.ts). */
  logger?: Logger;
}

/** A running server. Subscriptions: graphql-ws (protocol graphql-transport-ws) at `ws://…/graphql`. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:4000 (GraphQL at `${url}/graphql`). */
  url: string;
  port: number;
  app: AppHandle;
  /** Closes WebSocket subscriptions, stops accepting, drains in-flight requests (up to DRAIN_TIMEOUT_MS), stops Apollo, closes an owned database. */
  stop(): Promise<void>;
}

/**
 * Starts Favor's HTTP server: POST/GET /graphql (Apollo Server over node:http via executeHTTPGraphQLRequest),
 * subscriptions over graphql-ws on the same path, the routes, and returns its URL and `stop`. Port 0 picks a free port. The database is migrated and seeded on open.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const log = options.logger ?? logger;
  const ownsDatabase = !options.database;
  const database =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    const services = createServices(database, { measurementLimits: config.measurement });
    const schema = await buildFavorSchema();
    const app: AppHandle = { services, config, schema };
    const responseCache = config.responseCache
      ? new ResponseCache(undefined, undefined, config.limits.maxTokens)
      : null;
    const apollo = new ApolloServer<FavorContext>({
      schema,
      // graphql's parser refuses a document over the token limit before building it.
      parseOptions: { maxTokens: config.limits.maxTokens },
      introspection: true,
      // main.ts owns SIGTERM: it drains HTTP first, then stops Apollo and closes the database.
      stopOnTerminationSignals: false,
      // Favor sets no cache hints; the default cache-control plugin would only add a per-field hook.
      // Browsers opening /graphql get Favor's offline explorer (src/web), never Apollo's CDN-loaded landing page.
      plugins: [
        ApolloServerPluginCacheControlDisabled(),
        ApolloServerPluginLandingPageDisabled(),
        operationLimitsPlugin(config.limits),
        graphqlMetricsPlugin(),
        compiledQueriesPlugin(),
      ],
      logger: log,
      includeStacktraceInErrorResponses: !config.production,
      formatError: (formatted, error) => formatError(formatted, error, config.production, log),
    });
    await apollo.start();

    const routes = options.routes ?? ROUTES;
    const server = createServer();
    const drain = new GracefulDrain(server);
    server.on(
      "request",
      drain.track((req, res) =>
        observeRequest(req, res, log, () =>
          handle(req, res, { apollo, app, responseCache }, routes).catch((error) => {
            log.error({ err: error, code: "INTERNAL_SERVER_ERROR" }, "request failed");
            if (!res.headersSent)
              sendJson(res, 500, { error: config.production ? "Internal server error" : String(error) });
            else res.end();
          }),
        ),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(portError(error, config.port, config.host)));
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const sockets = new WebSocketServer({ server, path: "/graphql" });
    const subscriptions = useServer<Record<string, unknown>, { request: IncomingMessage }>(
      {
        schema,
        // Spec rules first (fragment cycles), then the same limits as over HTTP (variables are checked by
        // execution; the only subscription takes one id).
        validate: (s, document) => {
          const errors = validate(s, document);
          if (errors.length > 0) return errors;
          const { error } = checkOperationLimits(s, document, undefined, undefined, config.limits);
          return error ? [error] : [];
        },
        context: (ctx) => contextFor(ctx.extra.request, app),
        // Apollo's formatError does not see WebSocket results: the same masking here.
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors && {
            ...result,
            errors: result.errors.map((e) => formatError(e.toJSON(), e, config.production, log)),
          },
        onError: (_ctx, _id, _payload, errors) =>
          errors.map((e) => formatError(e.toJSON(), e, config.production, log)),
      },
      sockets,
    );

    let stopping: Promise<void> | undefined;
    return {
      url: `http://${urlHost(config.host)}:${port}`,
      port,
      app,
      stop: () =>
        (stopping ??= (async () => {
          await closeSockets(sockets, subscriptions);
          // Every request handler has returned before Apollo and the database go away.
          await drain.drain(DRAIN_TIMEOUT_MS);
          await apollo.stop();
          await services.dataVersion.close();
          if (ownsDatabase) await database.close();
        })()),
    };
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
}

/**
 * Checks each operation against the limits once graphql's validation has passed (so fragment cycles are spec
 * errors), before anything executes: over a limit is QUERY_TOO_COMPLEX, an unbounded argument BAD_USER_INPUT.
 */
function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin<FavorContext> {
  const gate = new AdmissionGate(limits.maxConcurrent, limits.maxQueued);
  const memo = new LimitsMemo();
  return {
    async requestDidStart() {
      let admitted = false;
      return {
        async didResolveOperation({ request, document, schema }) {
          const { operationName, variables } = request;
          let cost = memo.get(document, operationName, variables);
          if (cost === undefined) {
            // Input bounds first: they read list lengths without coercing, while the cost estimate coerces every
            // variable (20,000 orderBy entries took 40 to 100 ms there).
            try {
              checkInputLimits(schema, document, variables);
            } catch (inputError) {
              // Refused before execution: an HTTP 400 (errors from resolvers keep GraphQL's 200).
              if (inputError instanceof GraphQLError) {
                throw new GraphQLError(inputError.message, {
                  extensions: { ...inputError.extensions, http: { status: 400 } },
                });
              }
              throw inputError;
            }
            const checked = checkOperationLimits(schema, document, operationName, variables, limits);
            if (checked.error) throw checked.error;
            cost = checked.cost;
            memo.set(document, operationName, variables, cost);
          }
          if (cost > CHEAP_COST) {
            await gate.enter();
            admitted = true;
          }
        },
        async willSendResponse() {
          if (admitted) gate.leave();
          admitted = false;
        },
      };
    },
  };
}

/** What the GraphQL endpoint needs besides the request. */
interface GraphQLEndpoint {
  apollo: ApolloServer<FavorContext>;
  app: AppHandle;
  responseCache: ResponseCache | null;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: GraphQLEndpoint,
  routes: readonly HttpRoute[],
): Promise<void> {
  const { app } = endpoint;
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/graphql" && !wantsExplorer(req, url)) {
    labelRoute(res, "/graphql");
    return handleGraphQL(req, res, endpoint, url);
  }
  const route = routes.find(
    (r) =>
      (r.method === req.method || (r.method === "GET" && req.method === "HEAD")) &&
      (typeof r.path === "string" ? r.path === url.pathname : r.path.test(url.pathname)),
  );
  if (route) {
    labelRoute(res, typeof route.path === "string" ? route.path : route.path.source);
    return route.handle(req, res, app, url);
  }
  sendJson(res, 404, { error: `Not found: ${req.method} ${url.pathname}` });
}

async function handleGraphQL(
  req: IncomingMessage,
  res: ServerResponse,
  { apollo, app, responseCache }: GraphQLEndpoint,
  url: URL,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  let body: unknown;
  let bodyChars = 0;
  if (req.method === "POST") {
    const text = await readBody(req);
    bodyChars = text?.length ?? 0;
    if (text === null) return sendJson(res, 413, { error: `Request body over ${MAX_BODY_BYTES} bytes` });
    if ((headers.get("content-type") ?? "").includes("application/json")) {
      try {
        body = text === "" ? {} : JSON.parse(text);
      } catch {
        return sendJson(res, 400, {
          errors: [{ message: "Request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }],
        });
      }
    } else {
      body = text;
    }
  }
  // Only JSON POSTs are cached: they passed Apollo's CSRF rules, and their key is the whole request.
  const cacheKey =
    responseCache && req.method === "POST" && typeof body === "object"
      ? responseCache.keyOf({ body, accept: headers.get("accept") ?? "", bodyChars })
      : null;
  // Without a version (database unreachable) nothing is cached and GraphQL reports the failure as usual.
  const version = cacheKey === null ? null : await app.services.dataVersion.current().catch(() => null);
  if (responseCache && cacheKey !== null && version !== null) {
    const cached = responseCache.get(cacheKey, version);
    if (cached) return sendCached(res, cached, "hit");
  }
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: req.method ?? "GET",
    headers,
    search: url.search,
    body,
  };
  const { limits } = app.config;
  const response = await withTimeout(
    apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => contextFor(req, app) }),
    limits.timeoutMs,
  ).catch((error: unknown) => {
    if (error instanceof TimeoutError) return null;
    throw error;
  });
  if (response === null) {
    return sendGraphQLError(
      res,
      503,
      "OPERATION_TIMEOUT",
      `The operation ran over its time budget of ${limits.timeoutMs} ms`,
    );
  }
  if (response.body.kind === "complete") {
    if (Buffer.byteLength(response.body.string) > limits.maxResponseBytes) {
      return sendGraphQLError(
        res,
        400,
        "RESPONSE_TOO_LARGE",
        `The answer is over ${limits.maxResponseBytes} bytes: ask for smaller pages (first) or fewer fields`,
      );
    }
    const complete: CachedResponse = {
      status: response.status ?? 200,
      headers: [...response.headers],
      body: response.body.string,
    };
    if (responseCache && cacheKey !== null && version !== null)
      responseCache.set(cacheKey, version, complete);
    return sendCached(res, complete, cacheKey === null ? null : "miss");
  }
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Writes a complete response; `cache` (hit or miss) goes into the `x-favor-cache` header where the answer was cacheable. */
function sendCached(res: ServerResponse, response: CachedResponse, cache: "hit" | "miss" | null): void {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  if (cache !== null) {
    res.setHeader("x-favor-cache", cache);
    responseCacheLookups.inc({ result: cache });
  }
  res.statusCode = response.status;
  res.end(response.body);
}

/** Returns the per-request context: services, config, auth and fresh batch loaders. */
function contextFor(req: IncomingMessage, app: AppHandle): FavorContext {
  const header = req.headers.authorization ?? "";
  // RFC 9110: the scheme name is case-insensitive.
  const match = /^bearer[ \t]+(.+)$/i.exec(header.trim());
  const token = match ? match[1].trim() || null : null;
  return {
    services: app.services,
    config: app.config,
    auth: { token, authorized: token !== null && app.config.tokens.includes(token) },
    loaders: {
      epochs: createBatchLoader((ids: number[]) => app.services.runs.epochsOf(ids)),
      provenance: createBatchLoader((ids: number[]) => app.services.subjects.provenanceOf(ids)),
    },
    req,
  };
}

// Literal values of the wrong type or an unknown enum value fail validation; they are the client's input.
const BAD_LITERAL =
  /^(Value ".*" does not exist in ".*" enum|Enum ".*" cannot represent|Expected value of type|(Int|Float|String|Boolean|ID) cannot represent)/;

/**
 * Returns the error clients see: BAD_USER_INPUT and validation errors as they are but without a stack trace
 * (bad literals re-coded BAD_USER_INPUT, logged at debug); anything unexpected logged at error level (with the
 * request id, the code and the error without its SQL parameters), with its stack trace outside production,
 * and in production reduced to "Internal server error".
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
  log: Logger = logger,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code === "GRAPHQL_PARSE_FAILED" && TOKEN_LIMIT.test(formatted.message)) {
    return withoutStacktrace({
      ...formatted,
      extensions: { ...formatted.extensions, code: QUERY_TOO_COMPLEX },
    });
  }
  if (code === "GRAPHQL_VALIDATION_FAILED" && BAD_LITERAL.test(formatted.message)) {
    return withoutStacktrace({
      ...formatted,
      extensions: { ...formatted.extensions, code: "BAD_USER_INPUT" },
    });
  }
  // A client's mistake is explained by its message; a stack trace (even in development) only hides it.
  if (code !== "INTERNAL_SERVER_ERROR") {
    log.debug({ code, path: formatted.path, message: formatted.message }, "client error");
    return withoutStacktrace(formatted);
  }
  const original = unwrapResolverError(error);
  log.error({ err: original, code, path: formatted.path }, "internal error");
  if (!production) return formatted;
  return {
    message: "Internal server error",
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code },
  };
}

// graphql's parser message when a document is over `parseOptions.maxTokens`.
const TOKEN_LIMIT = /^Syntax Error: Document contains more th(?:an|at) \d+ tokens/;

function withoutStacktrace(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (formatted.extensions?.stacktrace === undefined) return formatted;
  const { stacktrace: _, ...extensions } = formatted.extensions;
  return { ...formatted, extensions };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(body));
}

/** A GraphQL-shaped error answer for a request stopped outside execution (time budget, answer size). */
function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

/** Closes every WebSocket (code 1001) and the WebSocket server; clients that do not answer in time are cut off. */
async function closeSockets(sockets: WebSocketServer, subscriptions: Disposable): Promise<void> {
  const timer = setTimeout(() => {
    for (const socket of sockets.clients) socket.terminate();
  }, SOCKET_CLOSE_TIMEOUT_MS);
  timer.unref();
  await subscriptions.dispose();
  clearTimeout(timer);
}
