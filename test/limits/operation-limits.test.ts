import { readFileSync } from "node:fs";

import { parse } from "graphql";
import { getComplexity } from "graphql-query-complexity/cjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  checkOperationLimits,
  DEFAULT_LIST_SIZE,
  DEFAULT_OPERATION_LIMITS,
  fieldCost,
  LIST_SIZES,
} from "../../src/limits/operation-limits.js";
import { buildFavorSchema } from "../../src/resolvers/build-schema.js";
import { EXPLORER_EXAMPLES } from "../../src/web/explorer-examples.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

/** Every operation Favor's own clients send: the dashboard, the device comparison, the notebook, the README. */
function clientQueries(): Array<{ where: string; query: string }> {
  const found: Array<{ where: string; query: string }> = [];
  for (const file of ["src/web/public/dashboard.js", "src/web/public/device-compare.js"]) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/\/\* GraphQL \*\/ `([^`]+)`/g)) found.push({ where: file, query: m[1] });
  }
  const notebook = readFileSync("examples/notebook.py", "utf8");
  for (const m of notebook.matchAll(/"""\s*((?:query|mutation)[^"]+)"""/g))
    found.push({ where: "examples/notebook.py", query: m[1] });
  for (const example of EXPLORER_EXAMPLES)
    found.push({ where: `README: ${example.title}`, query: example.query });
  return found;
}

/** Values for an operation's variables as the clients send them at most (pages of 200). */
function variablesFor(query: string): Record<string, unknown> {
  const byType: Record<string, unknown> = {
    "Int!": 224,
    Int: 224,
    "ID!": "1",
    ID: "1",
    "String!": "ViT-S/16",
    String: null,
    "MeasureInput!": { models: ["ViT-S/16"] },
    "[ObjectiveInput!]!": [{ metric: "accuracyTop1" }, { metric: "throughput" }],
  };
  const variables: Record<string, unknown> = {};
  for (const m of query.matchAll(/\$(\w+): ([\w[\]!]+)/g)) {
    variables[m[1]] = m[1] === "first" ? 200 : (byType[m[2]] ?? null);
  }
  return variables;
}

describe("operation limits", () => {
  it("let every query of the dashboard, the notebook and the README through, with room to spare", async () => {
    const schema = await buildFavorSchema();
    const queries = clientQueries();
    expect(queries.length).toBeGreaterThanOrEqual(12);
    for (const { where, query } of queries) {
      const document = parse(query, { maxTokens: DEFAULT_OPERATION_LIMITS.maxTokens });
      const variables = variablesFor(query);
      const { error } = checkOperationLimits(
        schema,
        document,
        undefined,
        variables,
        DEFAULT_OPERATION_LIMITS,
      );
      expect(error?.message, where).toBeUndefined();
      const cost = getComplexity({ schema, query: document, variables, estimators: [fieldCost] });
      expect(cost, where).toBeLessThan(DEFAULT_OPERATION_LIMITS.maxCost / 2);
    }
  });

  it("multiply by `first` and by list lengths, so aliases and nesting add up", async () => {
    const schema = await buildFavorSchema();
    const cost = (query: string) => getComplexity({ schema, query: parse(query), estimators: [fieldCost] });
    const page = cost("{ runs(first: 10) { edges { node { id } } } }");
    expect(cost("{ runs(first: 20) { edges { node { id } } } }")).toBeGreaterThan(page * 1.8);
    expect(
      cost("{ a: runs(first: 10) { edges { node { id } } } b: runs(first: 10) { edges { node { id } } } }"),
    ).toBe(2 * page);
    expect(cost("{ runs(first: 10) { edges { node { id epochs { epoch } } } } }")).toBeGreaterThan(
      10 * LIST_SIZES["Run.epochs"],
    );
  });
});

describe("list sizes of the cost estimate", () => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer("pglite")));
  afterAll(() => api?.stop());

  it("are upper bounds of the seeded data's lists", async () => {
    const data = await api.data(`{
      runs(first: 200) { totalCount edges { node { epochs { epoch } metrics { key } } } }
      models(first: 200) { totalCount edges { node { metrics { key } } } }
      modelList { runs { id } resolutions { resolution } }
      metrics { key }
      paretoFront(objectives: [{ metric: "params" }]) { points { runId } }
    }`);
    const max = (xs: number[]) => Math.max(...xs);
    const runs = data.runs.edges.map((e: any) => e.node);
    expect(max(runs.map((r: any) => r.epochs.length))).toBeLessThanOrEqual(LIST_SIZES["Run.epochs"]);
    expect(max(runs.map((r: any) => r.metrics.length))).toBeLessThanOrEqual(LIST_SIZES["Run.metrics"]);
    const rows = data.models.edges.map((e: any) => e.node);
    expect(max(rows.map((r: any) => r.metrics.length))).toBeLessThanOrEqual(
      LIST_SIZES["ModelResolution.metrics"],
    );
    expect(max(data.modelList.map((m: any) => m.runs.length))).toBeLessThanOrEqual(LIST_SIZES["Model.runs"]);
    expect(max(data.modelList.map((m: any) => m.resolutions.length))).toBeLessThanOrEqual(
      LIST_SIZES["Model.resolutions"],
    );
    expect(data.modelList.length).toBeLessThanOrEqual(LIST_SIZES["Query.modelList"]);
    expect(data.metrics.length).toBeLessThanOrEqual(LIST_SIZES["Query.metrics"]);
    // Unnamed lists (points, dominators, subjects) default to DEFAULT_LIST_SIZE: more than every run or row.
    expect(data.paretoFront.points.length).toBeLessThanOrEqual(DEFAULT_LIST_SIZE);
    expect(Math.max(data.runs.totalCount, data.models.totalCount)).toBeLessThanOrEqual(DEFAULT_LIST_SIZE);
  });
});
