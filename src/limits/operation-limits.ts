/**
 * Limits every GraphQL operation must meet before it executes, so that no anonymous request can exhaust the
 * process: tokens (enforced by graphql's parser), depth, aliases, and an estimated cost that counts the values the
 * answer can hold (lists multiplied by `first` or by their known largest length). Checked after graphql's own
 * validation, so spec errors such as fragment cycles are reported first.
 */
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  getNullableType,
  isListType,
  validate,
  visit,
} from "graphql";
import depthLimit from "graphql-depth-limit";
import { type ComplexityEstimatorArgs, getComplexity } from "graphql-query-complexity/cjs";
// The CommonJS build: its ESM build imports graphql's .mjs files, a second graphql realm beside type-graphql's.
import { METRIC_CATALOG } from "../db/metric-catalog.js";

/** The operation limits (README "Configuration": FAVOR_MAX_QUERY_*). */
export interface OperationLimits {
  /** Most lexical tokens in a document (graphql's parser stops at once beyond). */
  maxTokens: number;
  /** Deepest selection nesting. */
  maxDepth: number;
  /** Most aliased fields in a document. */
  maxAliases: number;
  /** Largest estimated cost: about the number of values the answer can hold (see `fieldCost`). */
  maxCost: number;
  /** Largest answer in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE error. */
  maxResponseBytes: number;
  /** Time budget of one operation in milliseconds; over it the request is answered with OPERATION_TIMEOUT. */
  timeoutMs: number;
  /** Operations costing more than CHEAP_COST that may execute at once; more wait in line (see AdmissionGate). */
  maxConcurrent: number;
  /** How many may wait; one more is SERVER_BUSY. */
  maxQueued: number;
}

/** Operations up to this cost (a lookup, `{ __typename }`) skip the admission gate. */
export const CHEAP_COST = 50;

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxTokens: 5_000,
  maxDepth: 10,
  maxAliases: 30,
  maxCost: 200_000,
  maxResponseBytes: 8 << 20,
  timeoutMs: 10_000,
  // Two, not four: each admitted operation's JSON work lands on the one event loop, so more in flight only
  // interleave and delay everyone. bench:abuse on this 2-core machine: 4 gave 1,519 req/s and a probe p99 of
  // 52 ms, 2 gave 1,319 req/s and 38 ms. Larger hosts scale with replicas (compose.yaml), not with this.
  maxConcurrent: 2,
  maxQueued: 256,
};

/** The code of every operation refused by these limits. */
export const QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX";

/** Page size a connection field gets when `first` is omitted (the services' default page). */
const DEFAULT_FIRST = 50;

/**
 * Largest length of each list field, from the data's shape: an upper bound, so the estimate never undercounts
 * (test/limits/operation-limits.test.ts checks them against the seeded database). Connections' `edges` count 1:
 * their field multiplies by `first` instead.
 */
export const LIST_SIZES: Readonly<Record<string, number>> = {
  "RunConnection.edges": 1,
  "ModelResolutionConnection.edges": 1,
  "MeasurementJobConnection.edges": 1,
  "Run.epochs": 64,
  "Run.metrics": METRIC_CATALOG.length,
  "ModelResolution.metrics": METRIC_CATALOG.length,
  "ModelResolution.runs": 16,
  "Model.runs": 16,
  "Model.resolutions": 16,
  "Query.modelList": 128,
  "Query.metrics": METRIC_CATALOG.length,
  "Query.devices": 64,
  "MeasurementJob.cells": 2_000,
  "MeasurementJob.errors": 100,
  "FigureValidity.reasons": 8,
  "ParetoFront.objectives": 10,
  "ParetoFront.excluded": 16,
  "ParetoFront.groups": 32,
  "ParetoGroup.excluded": 16,
  "ParetoExclusion.missing": 10,
  "ParetoPoint.values": 10,
  "ParetoPoint.gap": 10,
  "CorrelationMatrix.metrics": 50,
  "CorrelationMatrix.n": 2_500,
  "CorrelationMatrix.r": 2_500,
  "CorrelationMatrix.pairs": 1_225,
  "Coverage.byMetric": 32,
  "Coverage.metrics": 32,
  "Coverage.cells": 8_192,
  "Taxonomy.categories": 16,
  "TaxonomyCategory.approaches": 16,
  "TaxonomyApproach.models": 128,
  "TaxonomyClass.models": 128,
};

/** Lists not named above: subjects of an analysis (runs, model@resolution rows and their dominators). */
export const DEFAULT_LIST_SIZE = 128;

/** Fields that compute an analysis over many subjects: each costs this much before its selection. */
const ANALYSIS_FIELDS = new Set([
  "Query.paretoFront",
  "Query.correlations",
  "Query.scaling",
  "Query.recommendations",
  "Query.aggregates",
  "Query.coverage",
]);
const ANALYSIS_COST = 500;

/**
 * A field's cost: 1 for itself (ANALYSIS_COST for an analysis), plus its selection's cost times the number of
 * items it can return: `first` for a connection, the known length for a list, 1 otherwise.
 */
export function fieldCost({ type, field, args, childComplexity }: ComplexityEstimatorArgs): number {
  // Introspection answers are bounded by the schema itself (explorers send deep ones); aliases and tokens bound repeats.
  if (field.name.startsWith("__") || type.name.startsWith("__")) return 0;
  const name = `${type.name}.${field.name}`;
  const base = ANALYSIS_FIELDS.has(name) ? ANALYSIS_COST : 1;
  return base + itemsOf(name, field, args) * Math.max(childComplexity, 1) - (childComplexity ? 0 : 1);
}

function itemsOf(name: string, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  if (field.args.some((a) => a.name === "first")) {
    const first = args.first;
    return typeof first === "number" && first >= 0 ? first : DEFAULT_FIRST;
  }
  if (!isListType(getNullableType(field.type))) return 1;
  return LIST_SIZES[name] ?? DEFAULT_LIST_SIZE;
}

/** An error for an operation over a limit: its own code and HTTP 400 (Apollo reads `extensions.http`). */
export function tooComplex(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, {
    extensions: { ...extensions, code: QUERY_TOO_COMPLEX, http: { status: 400 } },
  });
}

/**
 * Returns the first limit `document` breaks (depth, aliases, cost) as `error` (null when none), and the estimated
 * cost. The document must have passed graphql's validation: the depth rule follows fragment spreads and would
 * recurse forever on a cycle.
 */
export function checkOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  limits: OperationLimits,
): { error: GraphQLError | null; cost: number } {
  const refuse = (error: GraphQLError) => ({ error, cost: Number.POSITIVE_INFINITY });
  const aliases = countAliases(document);
  if (aliases > limits.maxAliases) {
    return refuse(
      tooComplex(`The operation uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`, {
        limit: "aliases",
        allowed: limits.maxAliases,
        actual: aliases,
      }),
    );
  }
  const [depthError] = validate(schema, document, [depthLimit(limits.maxDepth)]);
  if (depthError) {
    return refuse(
      tooComplex(`${depthError.message} (at most ${limits.maxDepth} levels are allowed)`, {
        limit: "depth",
        allowed: limits.maxDepth,
      }),
    );
  }
  let cost: number;
  try {
    cost = getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      estimators: [fieldCost],
      maxQueryNodes: 10_000,
    });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    if (/maximum allowed number of nodes/.test(error.message))
      return refuse(tooComplex(error.message, { limit: "nodes" }));
    // Variables that do not coerce: execution reports them with graphql's own message.
    return { error: null, cost: Number.POSITIVE_INFINITY };
  }
  if (cost > limits.maxCost) {
    return refuse(
      tooComplex(
        `The operation's estimated cost is ${cost}, over the limit of ${limits.maxCost}: ask for smaller pages (first), fewer aliases or fewer nested lists`,
        { limit: "cost", allowed: limits.maxCost, actual: cost },
      ),
    );
  }
  return { error: null, cost };
}

/** Counts aliased fields in every operation and fragment of `document`. */
function countAliases(document: DocumentNode): number {
  let count = 0;
  visit(document, {
    Field(node) {
      if (node.alias) count++;
    },
  });
  return count;
}
