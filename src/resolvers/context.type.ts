import type { IncomingMessage } from "node:http";

import type { FavorConfig } from "../config.js";
import type { RunEpochRow } from "../db/schema/index.js";
import type { Services } from "../services/index.js";

/** What every resolver (and HTTP route) can reach for one request. */
export interface FavorContext {
  services: Services;
  config: FavorConfig;
  /** The bearer token of the request and whether FAVOR_TOKENS allows it (mutations check `authorized`). */
  auth: { token: string | null; authorized: boolean };
  /** Per-request batch loaders (avoid one query per row). */
  loaders: {
    epochs: (runId: number) => Promise<RunEpochRow[] | undefined>;
    provenance: (cellId: number) => Promise<Record<string, unknown> | undefined>;
  };
  req: IncomingMessage;
}
