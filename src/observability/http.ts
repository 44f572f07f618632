import type { IncomingMessage, ServerResponse } from "node:http";

import { type Logger, requestIdOf, withLogScope } from "./logger.js";
import { httpDuration, httpRequests, operationOf } from "./metrics.js";

const routeLabels = new WeakMap<ServerResponse, string>();

/** Names the route that answers `res` (a fixed path or pattern, never the raw URL) for its metrics and log line. */
export function labelRoute(res: ServerResponse, route: string): void {
  routeLabels.set(res, route);
}

/**
 * Runs `handle` for one HTTP request with its request id: the client's `x-request-id` when it is a plain token,
 * else a new UUID, echoed in the response's `x-request-id` header and carried by every log line written while
 * the request is handled. When the response is done (or the client went away) one `request` line is logged
 * (method, path without the query string, status, duration, route, GraphQL operation, cache) and the HTTP
 * metrics are updated.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  handle: () => Promise<void>,
): Promise<void> {
  const requestId = requestIdOf(req.headers["x-request-id"]);
  res.setHeader("x-request-id", requestId);
  const started = process.hrtime.bigint();
  res.once("close", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeLabels.get(res) ?? "unmatched";
    const method = req.method ?? "GET";
    const status = res.writableFinished ? res.statusCode : 499;
    httpRequests.inc({ method, route, status: String(status) });
    httpDuration.observe({ method, route }, seconds);
    const cache = res.getHeader("x-favor-cache");
    log.info(
      {
        requestId,
        method,
        path: (req.url ?? "/").split("?")[0],
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        route,
        operation: operationOf(req),
        cache: cache === undefined ? undefined : String(cache),
      },
      "request",
    );
  });
  return withLogScope({ requestId }, handle);
}
