import { createHash } from "node:crypto";

import { Kind, type OperationDefinitionNode, parse } from "graphql";

import { DEFAULT_OPERATION_LIMITS } from "./limits/operation-limits.js";

/**
 * Root query fields whose answers depend only on tables that bump the data version (models, runs, cells,
 * devices, metrics). Job queries (`measurementJob`, `measurementJobs`) read the job tables, which change on every
 * heartbeat without a version bump, so they are never cached.
 */
const VERSIONED_ROOT_FIELDS = new Set([
  "models",
  "model",
  "modelList",
  "runs",
  "run",
  "metrics",
  "metric",
  "devices",
  "device",
  "taxonomy",
  "aggregates",
  "paretoFront",
  "correlations",
  "scaling",
  "recommendations",
  "coverage",
  "__typename",
]);

/** A response as sent: status, headers and the whole body. */
export interface CachedResponse {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** What a key is built from: the JSON body of a POST and the Accept header (it picks the content type). */
export interface GraphQLPost {
  readonly body: unknown;
  readonly accept: string;
  /** Length of the body's text: a large body is not keyed (see MAX_KEYED_BODY_CHARS). */
  readonly bodyChars: number;
}

/**
 * Bodies longer than this are not cached: keying one means hashing its query and stringifying its variables,
 * which for a 600 KB hostile body took milliseconds before the limits refused it. Favor's own clients send
 * bodies of about 1 KB.
 */
export const MAX_KEYED_BODY_CHARS = 64 * 1024;

/**
 * A cache of whole GraphQL responses to read-only queries, each stored with the data version it was computed at
 * and served only while that version is current: a figure written by any process changes the version, so a
 * cached answer is never stale. Dashboards and notebooks repeat the same queries; serving them skips GraphQL
 * execution and serialisation, which dominate the cost of the full-table query. Only answers without errors are
 * kept; mutations, subscriptions, job queries and anything the cache cannot read with certainty are not.
 */
export class ResponseCache {
  private readonly entries = new Map<string, { version: number; response: CachedResponse }>();
  /** Whether a query text (with operation name) is cacheable; bounded like the entries. */
  private readonly cacheableQueries = new Map<string, boolean>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 500,
    private readonly maxBytes = 64 * 2 ** 20,
    private readonly maxTokens = DEFAULT_OPERATION_LIMITS.maxTokens,
  ) {}

  /** Returns the cache key of a request, or null when its answer must not be cached. */
  keyOf(request: GraphQLPost): string | null {
    const body = request.body;
    if (request.bodyChars > MAX_KEYED_BODY_CHARS) return null;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
    const { query, operationName, variables, extensions } = body as Record<string, unknown>;
    if (typeof query !== "string" || extensions !== undefined) return null;
    if (operationName !== undefined && operationName !== null && typeof operationName !== "string")
      return null;
    if (
      variables !== undefined &&
      variables !== null &&
      (typeof variables !== "object" || Array.isArray(variables))
    )
      return null;
    const textKey = `${operationName ?? ""}\u0000${query}`;
    let cacheable = this.cacheableQueries.get(textKey);
    if (cacheable === undefined) {
      cacheable = isVersionedQuery(query, operationName ?? null, this.maxTokens);
      if (this.cacheableQueries.size >= this.maxEntries)
        this.cacheableQueries.delete(this.cacheableQueries.keys().next().value!);
      this.cacheableQueries.set(textKey, cacheable);
    }
    if (!cacheable) return null;
    return createHash("sha256")
      .update(textKey)
      .update("\u0000")
      .update(JSON.stringify(variables ?? {}))
      .update("\u0000")
      .update(request.accept)
      .digest("base64url");
  }

  /** Returns the response stored under `key` at `version`, or undefined. */
  get(key: string, version: number): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.version !== version) {
      this.remove(key);
      return undefined;
    }
    // Least recently used first: a hit moves the entry to the end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.response;
  }

  /** Stores a response computed at `version`, when it is a complete answer without errors. */
  set(key: string, version: number, response: CachedResponse): void {
    if (response.status !== 200 || response.body.length > this.maxBytes / 4 || hasErrors(response.body))
      return;
    this.remove(key);
    this.entries.set(key, { version, response });
    this.bytes += response.body.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes)
      this.remove(this.entries.keys().next().value!);
  }

  /** Number of stored responses. */
  get size(): number {
    return this.entries.size;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.response.body.length;
    this.entries.delete(key);
  }
}

/**
 * Returns whether `query` parses, names one query operation (by `operationName`, or the only one) and selects at
 * its root only versioned fields, directly (no fragments at the root, so nothing hides a job field).
 */
export function isVersionedQuery(
  query: string,
  operationName: string | null,
  maxTokens = DEFAULT_OPERATION_LIMITS.maxTokens,
): boolean {
  let operations: OperationDefinitionNode[];
  try {
    // The token limit as GraphQL's own: a document over it is refused anyway, and parsing it whole costs.
    operations = parse(query, { maxTokens }).definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
  } catch {
    return false;
  }
  const operation =
    operationName === null
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((o) => o.name?.value === operationName);
  if (operation?.operation !== "query") return false;
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && VERSIONED_ROOT_FIELDS.has(s.name.value),
  );
}

/** Whether a JSON response body carries a top-level `errors` member. */
function hasErrors(body: string): boolean {
  // Apollo writes `errors` first (orderExecutionResultFields), so an answer without errors starts with its data;
  // anything else is treated as having errors. Reading the prefix, not parsing a 1.5 MB answer (6 ms) again.
  return !body.startsWith('{"data":');
}
