/**
 * Requests a hostile or careless client sends to an anonymous, production-mode Favor: each must be answered with a
 * 4xx or a GraphQL error code other than INTERNAL_SERVER_ERROR within 2 s, and the server must answer
 * `{ __typename }` at once afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_OPERATION_LIMITS } from "../../src/limits/operation-limits.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

const EPOCH_FIELDS =
  "epoch loss learningRate acc1 acc5 validationLoss valAcc1 valAcc5 time timeSum gradNormAvg gradNormMax";

/** Sends `body` as JSON to /graphql and returns status, parsed body and wall time. */
async function post(url: string, body: unknown) {
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text), ms: performance.now() - started };
}

/** Asserts a fast refusal: 4xx, a named code that is not INTERNAL_SERVER_ERROR, and returns that code. */
function expectRefused(result: Awaited<ReturnType<typeof post>>, code?: string): string {
  expect(result.ms, "answered within 2 s").toBeLessThan(2_000);
  expect(result.status, result.text.slice(0, 500)).toBeGreaterThanOrEqual(400);
  expect(result.status).toBeLessThan(500);
  const actual = result.json.errors?.[0]?.extensions?.code;
  expect(actual).toBeDefined();
  expect(actual).not.toBe("INTERNAL_SERVER_ERROR");
  if (code) expect(actual, result.text.slice(0, 500)).toBe(code);
  expect(result.text).not.toMatch(/Maximum call stack|\/work\/|node_modules|at .*\.ts:/);
  return actual;
}

describe.each(BACKENDS)("hostile requests (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend, { config: { production: true } })));
  afterAll(() => api?.stop());

  async function expectResponsive() {
    const started = performance.now();
    const result = await post(api.url, { query: "{ __typename }" });
    expect(result.json.data).toEqual({ __typename: "Query" });
    expect(performance.now() - started).toBeLessThan(500);
  }

  it("refuses thousands of aliases of a full page before executing them", async () => {
    const page = `models(first: 200) { totalCount edges { node { model { name } metrics { key value unit provenance } } } }`;
    const many = Array.from({ length: 3000 }, (_, i) => `a${i}: ${page}`).join(" ");
    expectRefused(await post(api.url, { query: `{ ${many} }` }), "QUERY_TOO_COMPLEX");
    // Under the alias limit, the cost limit still holds: 20 full pages with every metric are too much.
    const some = Array.from({ length: 20 }, (_, i) => `a${i}: ${page}`).join(" ");
    const refused = await post(api.url, { query: `{ ${some} }` });
    expectRefused(refused, "QUERY_TOO_COMPLEX");
    expect(refused.json.errors[0].extensions.limit).toBe("cost");
    const runs = `runs(first: 200) { edges { node { hyperparameters metrics { key value provenance } epochs { ${EPOCH_FIELDS} } } } }`;
    const aliasFlood = Array.from({ length: 40 }, (_, i) => `r${i}: ${runs}`).join(" ");
    const byAliases = await post(api.url, { query: `{ ${aliasFlood} }` });
    expectRefused(byAliases, "QUERY_TOO_COMPLEX");
    expect(byAliases.json.errors[0].extensions.limit).toBe("aliases");
    await expectResponsive();
  });

  it("refuses a nested Pareto query whose answer would be hundreds of megabytes", async () => {
    const query = `{ paretoFront(objectives: [{ metric: "accuracyTop1" }]) { points { dominators { run { id metrics { key value provenance } epochs { ${EPOCH_FIELDS} } } } } } }`;
    expectRefused(await post(api.url, { query }), "QUERY_TOO_COMPLEX");
    await expectResponsive();
  });

  it("answers a fragment cycle and absurd nesting as client errors", async () => {
    const cycle = await post(api.url, {
      query: "fragment A on Query { ...B } fragment B on Query { ...A } query { ...A }",
    });
    expectRefused(cycle, "GRAPHQL_VALIDATION_FAILED");
    expect(cycle.json.errors[0].message).toMatch(/Cannot spread fragment/);
    const deep = `{ ${'model(name: "ViT-S/16") { runs { model { '.repeat(667)}name${" } } }".repeat(667)} }`;
    expectRefused(await post(api.url, { query: deep }), "QUERY_TOO_COMPLEX");
    const nested = `{ ${"a { ".repeat(2002)}b${" }".repeat(2002)} }`;
    expectRefused(await post(api.url, { query: nested }));
    await expectResponsive();
  });

  it("refuses NUL bytes, lone surrogates and oversized lists, naming the argument", async () => {
    const nul = await post(api.url, {
      query: "query ($s: String) { runs(filter: { nameContains: $s }) { totalCount } }",
      variables: { s: "vit\u0000" },
    });
    expectRefused(nul, "BAD_USER_INPUT");
    expect(nul.json.errors[0].message).toMatch(/NUL/);
    const literal = await post(api.url, {
      query: '{ runs(filter: { nameContains: "vit\\u0000" }) { totalCount } }',
    });
    expectRefused(literal, "BAD_USER_INPUT");
    expect(literal.json.errors[0].message).toContain("filter.nameContains");
    // graphql's parser refuses a lone surrogate in a literal; in a variable it is ours to refuse.
    expectRefused(
      await post(api.url, { query: '{ runs(filter: { nameContains: "vit\\ud800" }) { totalCount } }' }),
    );
    const surrogate = await post(api.url, {
      query: "query ($s: String) { runs(filter: { nameContains: $s }) { totalCount } }",
      variables: { s: "vit\ud800" },
    });
    expectRefused(surrogate, "BAD_USER_INPUT");
    expect(surrogate.json.errors[0].message).toMatch(/surrogate/);

    const values = Array.from({ length: 100_000 }, (_, i) => i);
    const inList = await post(api.url, {
      query:
        'query ($v: [Float!]) { runs(filter: { metrics: [{ metric: "params", op: IN, values: $v }] }) { totalCount } }',
      variables: { v: values },
    });
    expectRefused(inList, "BAD_USER_INPUT");
    expect(inList.json.errors[0].message).toMatch(/100000 entries/);
    const resolutions = await post(api.url, {
      query: "query ($r: [Int!]) { runs(filter: { resolutions: $r }) { totalCount } }",
      variables: { r: Array.from({ length: 100_000 }, () => 224) },
    });
    expectRefused(resolutions, "BAD_USER_INPUT");
    const constraints = await post(api.url, {
      query: "query ($m: [MetricConstraintInput!]) { runs(filter: { metrics: $m }) { totalCount } }",
      variables: { m: Array.from({ length: 15_000 }, () => ({ metric: "params", op: "GT", value: 1 })) },
    });
    expectRefused(constraints, "BAD_USER_INPUT");
    expect(constraints.json.errors[0].message).toContain("filter.metrics");
    const orderBy = await post(api.url, {
      query: "query ($o: [OrderByInput!]) { runs(orderBy: $o) { totalCount } }",
      variables: { o: Array.from({ length: 20_000 }, () => ({ field: "NAME" })) },
    });
    expectRefused(orderBy, "BAD_USER_INPUT");
    expect(orderBy.json.errors[0].message).toContain("orderBy");
    const literalOrder = Array.from({ length: 20_000 }, () => "{ field: NAME }").join(" ");
    expectRefused(await post(api.url, { query: `{ runs(orderBy: [${literalOrder}]) { totalCount } }` }));

    const csv = await fetch(`${api.url}/export/runs.csv?nameContains=vit%00`);
    expect(csv.status).toBe(400);
    expect(await csv.text()).toMatch(/nameContains.*NUL/);
    await expectResponsive();
  });

  it("counts rows and pages for first: 0", async () => {
    const data = await api.data(
      "{ runs(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } models(first: 0) { totalCount pageInfo { hasNextPage } } }",
    );
    expect(data.runs).toEqual({ totalCount: 90, edges: [], pageInfo: { hasNextPage: true } });
    const all = await api.data("{ models(first: 200) { totalCount } }");
    expect(data.models.totalCount).toBe(all.models.totalCount);
    expect(data.models.pageInfo.hasNextPage).toBe(true);
  });

  it("matches the Bearer scheme case-insensitively", async () => {
    const mutation = 'mutation { cancelMeasurement(id: "999999") { id } }';
    const lower = await api.graphql(mutation, undefined, { authorization: "bearer wrong-token" });
    // The scheme is understood: a wrong token is FORBIDDEN, not a missing one (UNAUTHENTICATED).
    expect(lower.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const none = await api.graphql(mutation, undefined, { authorization: "Basic abc" });
    expect(none.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});

// On PostgreSQL: embedded PGlite computes on this thread, so no timer fires until its query is done; over a
// socket the budget's timer runs while the query is out.
describe.each(BACKENDS.filter((b) => b === "postgres"))("time budget (%s)", (backend) => {
  let api: TestServer;
  beforeAll(
    async () =>
      (api = await startTestServer(backend, {
        config: {
          production: true,
          responseCache: false,
          limits: { ...DEFAULT_OPERATION_LIMITS, timeoutMs: 1 },
        },
      })),
  );
  afterAll(() => api?.stop());

  it("answers an operation over its time budget with OPERATION_TIMEOUT", async () => {
    // The time budget of 1 ms: any query that reaches the database runs over it.
    const slow = await post(api.url, { query: "{ runs(first: 200) { totalCount edges { node { id } } } }" });
    expect(slow.status).toBe(503);
    expect(slow.json.errors[0].extensions.code).toBe("OPERATION_TIMEOUT");
    await expectTypename(api);
  });
});

describe("answer size", () => {
  let api: TestServer;
  beforeAll(
    async () =>
      (api = await startTestServer("pglite", {
        config: { production: true, limits: { ...DEFAULT_OPERATION_LIMITS, maxResponseBytes: 4_096 } },
      })),
  );
  afterAll(() => api?.stop());

  it("replaces an answer over the byte cap with RESPONSE_TOO_LARGE", async () => {
    const big = await post(api.url, { query: "{ runs(first: 200) { edges { node { id runName } } } }" });
    expectRefused(big, "RESPONSE_TOO_LARGE");
    const small = await post(api.url, { query: "{ runs(first: 2) { edges { node { id } } } }" });
    expect(small.json.data.runs.edges).toHaveLength(2);
  });
});

async function expectTypename(api: TestServer) {
  const result = await post(api.url, { query: "{ __typename }" });
  expect(result.json.data).toEqual({ __typename: "Query" });
}
