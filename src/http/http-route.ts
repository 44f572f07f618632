import type { IncomingMessage, ServerResponse } from "node:http";

import type { GraphQLSchema } from "graphql";

import type { FavorConfig } from "../config.js";
import type { Services } from "../services/index.js";

/** What HTTP routes can reach: the services (and through them the database), the config and the schema. */
export interface AppHandle {
  services: Services;
  config: FavorConfig;
  schema: GraphQLSchema;
}

/**
 * An extra HTTP route. The dashboard adds `/`, `/plots`, `/export` by appending to ROUTES (or passing `routes`).
 * `handle` writes the whole response; a thrown error becomes a 500 (message masked in production).
 */
export interface HttpRoute {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  /** Exact path, or a RegExp tested against the path (without the query string). */
  path: string | RegExp;
  handle(req: IncomingMessage, res: ServerResponse, app: AppHandle, url: URL): Promise<void> | void;
}
