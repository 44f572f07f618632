import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startTestServer, type TestServer } from "../helpers/test-server.js";

/** POSTs a body to /graphql and returns the status and the raw answer. */
async function ask(api: TestServer, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

// From the second ask of a document on, a query runs compiled (src/http/compiled-queries.ts); its answers, errors
// included, are the same bytes as graphql-js's first one. The response cache is off, so every ask executes.
describe("compiled queries", () => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer("pglite", { config: { responseCache: false } })));
  afterAll(() => api?.stop());

  const cases: Array<[string, unknown]> = [
    [
      "a page with aliases, a fragment, __typename and variables",
      {
        query: `query Page($n: Int!, $keys: [String!]) {
          a: runs(first: $n) { totalCount pageInfo { endCursor } edges { cursor node { ...F } } }
          b: models(first: 2, orderBy: [{ metric: "throughput", direction: DESC }]) {
            edges { node { __typename resolution runId model { name } metrics(keys: $keys) { key value unit } } } } }
        fragment F on Run { __typename id runName createdAt: runDate metrics(keys: $keys) { key value createdAt owner source } }`,
        variables: { n: 3, keys: ["accuracyTop1", "throughput"] },
      },
    ],
    [
      "an unknown metric key (BAD_USER_INPUT from a list field)",
      { query: '{ runs(first: 2) { edges { node { id metrics(keys: ["nope"]) { key } } } } }' },
    ],
    ["an unknown model", { query: '{ model(name: "no such model") { name } }' }],
    [
      "a variable of the wrong type",
      { query: "query ($n: Int!) { runs(first: $n) { totalCount } }", variables: { n: "x" } },
    ],
    ["a page too large", { query: "{ runs(first: 500) { totalCount } }" }],
  ];

  it.each(cases)("%s: the same answer on every ask", async (_name, body) => {
    const first = await ask(api, body);
    for (let k = 0; k < 3; k++) expect(await ask(api, body)).toEqual(first);
  });

  it("answers errors as graphql-js does (status, code, path)", async () => {
    const body = { query: '{ runs(first: 2) { edges { node { id metrics(keys: ["nope"]) { key } } } } }' };
    await ask(api, body);
    const { status, text } = await ask(api, body);
    const answer = JSON.parse(text);
    expect(status).toBe(200);
    expect(answer.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(answer.errors[0].path).toEqual(["runs", "edges", 0, "node", "metrics"]);
  });
});
