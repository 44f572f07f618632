import { readFileSync } from "node:fs";
import { parse, print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EXPLORER_EXAMPLES } from "../../src/web/explorer-examples.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const canonical = (query: string) => print(parse(query));

/** The README's example queries: every curl `-d '{"query": …}'` payload and the Python example's `query = """…"""`. */
function readmeQueries(): string[] {
  const curl = [...README.matchAll(/-d '(\{"query":[\s\S]*?\})'/g)].map((m) => JSON.parse(m[1]).query);
  const python = [...README.matchAll(/query = """([\s\S]*?)"""/g)].map((m) => m[1]);
  return [...curl, ...python];
}

describe("the GraphQL explorer's page and examples", () => {
  let api: TestServer;
  beforeAll(
    async () => (api = await startTestServer("pglite", { config: { tokens: ["t"], worker: false } })),
  );
  afterAll(() => api?.stop());

  it("answers a browser opening /graphql with the explorer, and clients with GraphQL", async () => {
    const page = await fetch(`${api.url}/graphql`, {
      headers: { accept: "text/html,application/xhtml+xml" },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain("GraphQL explorer");
    expect(html).not.toMatch(/https?:\/\//); // nothing from a CDN
    // Every script and stylesheet the page names is served by this process.
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(6);
    for (const asset of assets) expect((await fetch(`${api.url}${asset}`)).status, asset).toBe(200);
    const get = await fetch(`${api.url}/graphql?query=${encodeURIComponent("{ metrics { key } }")}`, {
      headers: { accept: "text/html, application/json", "apollo-require-preflight": "1" },
    });
    expect(((await get.json()) as any).data.metrics.length).toBeGreaterThan(0);
    expect((await api.graphql("{ metrics { key } }")).data.metrics.length).toBeGreaterThan(0);
  });

  it("preloads every example query of the README", () => {
    const examples = new Set(EXPLORER_EXAMPLES.map((e) => canonical(e.query)));
    const queries = readmeQueries();
    expect(queries.length).toBeGreaterThanOrEqual(4);
    for (const query of queries) expect(examples, query).toContain(canonical(query));
  });

  it("has examples that all run", async () => {
    for (const example of EXPLORER_EXAMPLES) {
      const result = await api.graphql(
        example.query,
        example.variables ? JSON.parse(example.variables) : undefined,
        example.needsToken ? { authorization: "Bearer t" } : {},
      );
      expect(result.errors, example.title).toBeUndefined();
    }
  });
});
