/**
 * The workloads of the PostGraphile comparison (issue 14), each as the same question asked of both servers, and
 * how their answers are brought to one shape so that they can be compared exactly. Shared by bench/peer.bench.ts
 * and test/api/peer-equality.test.ts.
 *
 * PostGraphile 4.14.1 (with postgraphile-plugin-connection-filter 2.3.0) is a devDependency used only here. It
 * needs graphql 15, which npm installs twice (under postgraphile and under graphile-build-pg, each with its own
 * graphile-build), while graphql-parse-resolve-info is hoisted next to Favor's graphql 16; `loadPostGraphile` pins
 * those packages to the graphql 15 and graphile-build under postgraphile, so PostGraphile runs in one graphql 15
 * realm of its own and Favor's graphql 16 realm (type-graphql) is untouched.
 */
import Module, { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

/** The metrics the table workloads ask for (90 runs × 10 metrics, 897 figures: 3 runs lack a throughput/memory). */
export const TABLE_METRICS = [
  "accuracyTop1",
  "accuracyTop5",
  "params",
  "flops",
  "macs",
  "throughput",
  "inferenceMemoryB1",
  "inferenceMemoryB64",
  "trainingMemoryTotal",
  "fineTuneTime",
];
const PARETO_METRICS = ["accuracyTop1", "throughput", "params"];

/** A run as both answers are compared: Favor's field names, metrics in the order asked. */
interface ComparableRun {
  /** Favor's `ID` (a string); PostGraphile's integer primary key is compared as its decimal string. */
  id: string;
  runName: string;
  resolution: number;
  pretrainResolution: number;
  model: { name: string; family: string; taxonomyClass: string };
  metrics: Array<{ key: string; value: number; unit: string; batchSize: number | null }>;
}

/** One workload: a GraphQL request per server, with variables that may change on every request. */
export interface PeerWorkload {
  name: string;
  description: string;
  favorQuery: string;
  peerQuery: string;
  /** Variables of request number `i` (the same for both servers); null = none. */
  variables(i: number): Record<string, unknown> | null;
  /** Favor's answer as comparable runs (ordered by id) and its total count. */
  favorRuns(data: unknown): { totalCount: number; runs: ComparableRun[] };
  /** PostGraphile's answer as comparable runs (ordered by id) and its total count. */
  peerRuns(data: unknown): { totalCount: number; runs: ComparableRun[] };
}

const FAVOR_RUN_FIELDS = (keys: readonly string[]) => `id runName resolution pretrainResolution
      model { name family taxonomyClass }
      metrics(keys: ${JSON.stringify(keys)}) { key value unit batchSize }`;
// The lookup rule for these metrics on the seeded data: the run's one cell per metric (device-less for the
// device-independent metrics, on the run's GPU for the per-device ones).
const PEER_RUN_FIELDS = (keys: readonly string[]) => `id runName resolution pretrainResolution
      modelByModelId { name family taxonomyClass }
      cellsByRunId(filter: { metricKey: { in: ${JSON.stringify(keys)} } }) {
        nodes { metricKey value batchSize metricByMetricKey { unit } }
      }`;
/** PostGraphile's filter for "the run's device-independent figure of `metric` satisfies `op` $variable". */
const peerMetricFilter = (metric: string, op: string, variable: string) =>
  `{ cellsByRunId: { some: { metricKey: { equalTo: "${metric}" }, deviceId: { isNull: true }, value: { ${op}: ${variable} } } } }`;

interface FavorRunsData {
  runs: { totalCount: number; edges: Array<{ node: ComparableRun }> };
}
interface PeerRunsData {
  allRuns: {
    totalCount: number;
    nodes: Array<{
      id: number;
      runName: string;
      resolution: number;
      pretrainResolution: number;
      modelByModelId: ComparableRun["model"];
      cellsByRunId: {
        nodes: Array<{
          metricKey: string;
          value: number;
          batchSize: number | null;
          metricByMetricKey: { unit: string };
        }>;
      };
    }>;
  };
}

const byId = (a: ComparableRun, b: ComparableRun) => Number(a.id) - Number(b.id);

function favorRuns(data: unknown) {
  const { runs } = data as FavorRunsData;
  return { totalCount: runs.totalCount, runs: runs.edges.map((e) => e.node).sort(byId) };
}

function peerRuns(keys: readonly string[]) {
  return (data: unknown) => {
    const { allRuns } = data as PeerRunsData;
    const runs = allRuns.nodes.map((node) => {
      const cells = new Map(node.cellsByRunId.nodes.map((c) => [c.metricKey, c]));
      return {
        id: String(node.id),
        runName: node.runName,
        resolution: node.resolution,
        pretrainResolution: node.pretrainResolution,
        model: node.modelByModelId,
        metrics: keys.flatMap((key) => {
          const cell = cells.get(key);
          return cell
            ? [{ key, value: cell.value, unit: cell.metricByMetricKey.unit, batchSize: cell.batchSize }]
            : [];
        }),
      };
    });
    return { totalCount: allRuns.totalCount, runs: runs.sort(byId) };
  };
}

/** A number that differs on every request and spreads over the seed's parameter counts (3.4 M to 300 M). */
const distinctParams = (i: number) => ((i * 7_919_993.25) % 120_000_000) + 0.5;

export const WORKLOADS: readonly PeerWorkload[] = [
  {
    name: "full table",
    description:
      "all 90 runs with 10 metrics and units (bench/api.bench.ts's query); the same on every request",
    favorQuery: `query FullTable { runs(first: 100) { totalCount edges { node { ${FAVOR_RUN_FIELDS(TABLE_METRICS)} } } } }`,
    peerQuery: `query FullTable { allRuns(first: 100) { totalCount nodes { ${PEER_RUN_FIELDS(TABLE_METRICS)} } } }`,
    variables: () => null,
    favorRuns,
    peerRuns: peerRuns(TABLE_METRICS),
  },
  {
    name: "distinct",
    description:
      "the full table's fields for runs with params ≥ $min, $min new on every request (no cache can help)",
    favorQuery: `query Distinct($min: Float!) {
  runs(first: 100, filter: { metrics: [{ metric: "params", op: GTE, value: $min }] }) {
    totalCount edges { node { ${FAVOR_RUN_FIELDS(TABLE_METRICS)} } } } }`,
    peerQuery: `query Distinct($min: Float!) {
  allRuns(first: 100, filter: ${peerMetricFilter("params", "greaterThanOrEqualTo", "$min")}) {
    totalCount nodes { ${PEER_RUN_FIELDS(TABLE_METRICS)} } } }`,
    variables: (i) => ({ min: distinctParams(i) }),
    favorRuns,
    peerRuns: peerRuns(TABLE_METRICS),
  },
  {
    name: "pareto dashboard",
    description:
      "a trade-off dashboard's brush: runs with top-1 ≥ $acc and params ≤ $params, with accuracy, throughput, params; a few brush positions repeated (cacheable)",
    favorQuery: `query Brush($acc: Float!, $params: Float!) {
  runs(first: 100, filter: { metrics: [{ metric: "accuracyTop1", op: GTE, value: $acc }, { metric: "params", op: LTE, value: $params }] }) {
    totalCount edges { node { ${FAVOR_RUN_FIELDS(PARETO_METRICS)} } } } }`,
    peerQuery: `query Brush($acc: Float!, $params: Float!) {
  allRuns(first: 100, filter: { and: [${peerMetricFilter("accuracyTop1", "greaterThanOrEqualTo", "$acc")}, ${peerMetricFilter("params", "lessThanOrEqualTo", "$params")}] }) {
    totalCount nodes { ${PEER_RUN_FIELDS(PARETO_METRICS)} } } }`,
    // 24 brush positions, revisited as a user drags back and forth.
    variables: (i) => ({ acc: 0.7 + (i % 6) * 0.02, params: 25_000_000 * (1 + (Math.floor(i / 6) % 4)) }),
    favorRuns,
    peerRuns: peerRuns(PARETO_METRICS),
  },
];

/** Returns the JSON body of request `i` of a workload for one server. */
export function requestBody(workload: PeerWorkload, server: "favor" | "peer", i: number): string {
  const variables = workload.variables(i);
  return JSON.stringify({
    query: server === "favor" ? workload.favorQuery : workload.peerQuery,
    ...(variables ? { variables } : {}),
  });
}

/** POSTs a GraphQL body and returns `data`; throws on errors or a non-200 status. */
export async function postGraphQL(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const json = (await response.json()) as { data?: unknown; errors?: unknown };
  if (response.status !== 200 || json.errors)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json).slice(0, 500)}`);
  return json.data;
}

/**
 * Asks both servers request `i` of `workload` and throws unless the answers are the same runs with the same
 * figures (numbers compared exactly) and the same total count; returns the number of figures compared.
 */
export async function checkEqual(
  workload: PeerWorkload,
  favorUrl: string,
  peerUrl: string,
  i: number,
): Promise<number> {
  const favor = workload.favorRuns(await postGraphQL(favorUrl, requestBody(workload, "favor", i)));
  const peer = workload.peerRuns(await postGraphQL(peerUrl, requestBody(workload, "peer", i)));
  const a = JSON.stringify(favor);
  const b = JSON.stringify(peer);
  if (a !== b) {
    const at = [...a].findIndex((c, k) => c !== b[k]);
    throw new Error(
      `${workload.name} #${i}: the answers differ at character ${at}: favor …${a.slice(at - 80, at + 80)}… postgraphile …${b.slice(at - 80, at + 80)}…`,
    );
  }
  return favor.runs.reduce((n, run) => n + run.metrics.length, 0);
}

// ---- PostGraphile ------------------------------------------------------------------------------------------------

type ResolveFilename = (
  request: string,
  parent: { filename?: string } | undefined,
  ...rest: unknown[]
) => string;

let pinned = false;

/**
 * Returns PostGraphile's module and the filter plugin, loaded so that every graphile package shares the graphql
 * and graphile-build copies under postgraphile/ (npm nests a second pair under graphile-build-pg/, which would
 * make PostGraphile's own types "from another realm"), and graphql-parse-resolve-info would find Favor's graphql 16.
 * Only requests from inside those two packages are redirected.
 */
export function loadPostGraphile(): {
  postgraphile: typeof import("postgraphile");
  ConnectionFilterPlugin: unknown;
} {
  const require = createRequire(import.meta.url);
  if (!pinned) {
    const own = join(dirname(require.resolve("postgraphile/package.json")), "node_modules");
    const strays = ["graphile-build-pg", "graphql-parse-resolve-info"].map(
      (name) => `${dirname(require.resolve(`${name}/package.json`))}${sep}`,
    );
    const loader = Module as unknown as { _resolveFilename: ResolveFilename };
    const resolve = loader._resolveFilename;
    loader._resolveFilename = function (request, parent, ...rest) {
      const name = request.split("/")[0];
      if (
        (name === "graphql" || name === "graphile-build") &&
        strays.some((root) => parent?.filename?.startsWith(root))
      )
        return resolve.call(this, join(own, request), parent, ...rest);
      return resolve.call(this, request, parent, ...rest);
    };
    pinned = true;
  }
  return {
    postgraphile: require("postgraphile"),
    ConnectionFilterPlugin: require("postgraphile-plugin-connection-filter"),
  };
}

/** PostGraphile's options here: library mode, the filter plugin (with relations), no query log, no GraphiQL. */
export function postGraphileOptions(ConnectionFilterPlugin: unknown) {
  return {
    appendPlugins: [ConnectionFilterPlugin as never],
    graphileBuildOptions: { connectionFilterRelations: true },
    disableQueryLog: true,
    graphiql: false,
    enableQueryBatching: false,
    setofFunctionsContainNulls: false,
    ignoreRBAC: false,
    retryOnInitFail: false,
  };
}
