import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { cells } from "../../src/db/schema/index.js";
import {
  type CachedResponse,
  isVersionedQuery,
  MAX_KEYED_BODY_CHARS,
  ResponseCache,
} from "../../src/response-cache.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

const ok = (body: string): CachedResponse => ({
  status: 200,
  headers: [["content-type", "application/json"]],
  body,
});

describe("isVersionedQuery", () => {
  it("accepts queries whose root fields read only versioned tables", () => {
    expect(isVersionedQuery("{ models { totalCount } }", null)).toBe(true);
    expect(isVersionedQuery("query A { runs { totalCount } metrics { key } }", null)).toBe(true);
    expect(
      isVersionedQuery("query A { runs { totalCount } } query B { measurementJobs { totalCount } }", "A"),
    ).toBe(true);
  });

  it("refuses mutations, subscriptions, job queries, root fragments, unknown operations and unparsable text", () => {
    expect(isVersionedQuery('mutation { cancelMeasurement(id: "1") { id } }', null)).toBe(false);
    expect(isVersionedQuery('subscription { measurementJobProgress(id: "1") { status } }', null)).toBe(false);
    expect(isVersionedQuery('{ models { totalCount } measurementJob(id: "1") { status } }', null)).toBe(
      false,
    );
    expect(isVersionedQuery("{ ...F } fragment F on Query { models { totalCount } }", null)).toBe(false);
    expect(isVersionedQuery("query A { runs { totalCount } } query B { models { totalCount } }", null)).toBe(
      false,
    );
    expect(isVersionedQuery("query A { runs { totalCount } }", "B")).toBe(false);
    expect(isVersionedQuery("{ models { ", null)).toBe(false);
  });
});

describe("ResponseCache", () => {
  const post = (query: string, variables?: unknown, accept = "application/json") => {
    const body = { query, variables };
    return { body, accept, bodyChars: JSON.stringify(body).length };
  };

  it("keys by query, variables and Accept header, and gives no key to what it must not cache", () => {
    const cache = new ResponseCache();
    const a = cache.keyOf(post("{ models { totalCount } }"));
    expect(a).toEqual(expect.any(String));
    expect(cache.keyOf(post("{ models { totalCount } }"))).toBe(a);
    expect(cache.keyOf(post("{ models { totalCount } }", { x: 1 }))).not.toBe(a);
    expect(
      cache.keyOf(post("{ models { totalCount } }", undefined, "application/graphql-response+json")),
    ).not.toBe(a);
    expect(cache.keyOf(post('mutation { cancelMeasurement(id: "1") { id } }'))).toBeNull();
    expect(cache.keyOf({ body: "not an object", accept: "", bodyChars: 15 })).toBeNull();
    // A body too large to key cheaply is answered without the cache.
    const large = post("query ($v: [Float!]) { models(first: 1) { totalCount } }", {
      v: Array.from({ length: 20_000 }, (_, i) => i),
    });
    expect(large.bodyChars).toBeGreaterThan(MAX_KEYED_BODY_CHARS);
    expect(cache.keyOf(large)).toBeNull();
    expect(cache.keyOf({ ...large, bodyChars: MAX_KEYED_BODY_CHARS })).toEqual(expect.any(String));
    expect(
      cache.keyOf({
        body: { query: "{ models { totalCount } }", extensions: { persistedQuery: {} } },
        accept: "",
        bodyChars: 80,
      }),
    ).toBeNull();
  });

  it("serves an entry only at the version it was stored at, and never stores errors", () => {
    const cache = new ResponseCache();
    cache.set("k", 7, ok('{"data":{"x":1}}'));
    expect(cache.get("k", 7)?.body).toBe('{"data":{"x":1}}');
    expect(cache.get("k", 8)).toBeUndefined();
    expect(cache.get("k", 7)).toBeUndefined(); // dropped once seen stale
    cache.set("e", 1, ok('{"errors":[{"message":"no"}],"data":null}'));
    cache.set("s", 1, { ...ok('{"data":{}}'), status: 400 });
    expect(cache.size).toBe(0);
  });

  it("evicts the least recently used entry past its bounds", () => {
    const cache = new ResponseCache(2);
    cache.set("a", 1, ok('{"data":1}'));
    cache.set("b", 1, ok('{"data":2}'));
    expect(cache.get("a", 1)).toBeDefined();
    cache.set("c", 1, ok('{"data":3}'));
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBeDefined();
    expect(cache.get("c", 1)).toBeDefined();
  });
});

describe.each(BACKENDS)("whole-response cache over HTTP (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend, { config: { tokens: ["t"] } })));
  afterAll(() => api?.stop());

  const post = async (query: string, variables?: unknown) => {
    const res = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer t" },
      body: JSON.stringify({ query, variables }),
    });
    return {
      cache: res.headers.get("x-favor-cache"),
      json: (await res.json()) as { data?: any; errors?: any[] },
    };
  };
  const memoryOf = `query ($name: String!) { models(filter: { name: $name }, device: "1") {
    edges { node { resolution value(metric: "inferenceMemoryB1") } } } }`;

  it("answers a repeated query from the cache until a figure is written, then computes it again", async () => {
    const first = await post(memoryOf, { name: "ViT-B/16" });
    const second = await post(memoryOf, { name: "ViT-B/16" });
    expect([first.cache, second.cache]).toEqual(["miss", "hit"]);
    expect(second.json).toEqual(first.json);
    expect((await post(memoryOf, { name: "ViT-S/16" })).cache).toBe("miss");

    // A measured figure at a new resolution bumps the data version: the next answer shows it.
    const { db } = api.server.app.services.database;
    const [vitB] = (
      (await db.execute(sql`SELECT id FROM models WHERE name = 'ViT-B/16'`)) as unknown as {
        rows: Array<{ id: number }>;
      }
    ).rows;
    // Another writer's figure is served once its notification has arrived (test/api/data-version-notify.test.ts).
    const { dataVersion } = api.server.app.services;
    const notified = async (before: number) => {
      for (let i = 0; i < 500 && (await dataVersion.current()) <= before; i++)
        await new Promise((r) => setTimeout(r, 10));
    };
    let version = await dataVersion.current();
    await db.insert(cells).values({
      modelId: vitB.id,
      resolution: 512,
      metricKey: "inferenceMemoryB1",
      deviceId: 1,
      batchSize: 1,
      value: 789,
      source: "measured",
      provenance: { runtime: "test" },
    });
    await notified(version);
    const third = await post(memoryOf, { name: "ViT-B/16" });
    expect(third.cache).toBe("miss");
    expect(third.json.data.models.edges.map((e: any) => e.node)).toContainEqual({
      resolution: 512,
      value: 789,
    });
    version = await dataVersion.current();
    await db.delete(cells).where(sql`${cells.source} = 'measured'`);
    await notified(version);
    expect((await post(memoryOf, { name: "ViT-B/16" })).json.data.models.edges).toHaveLength(
      first.json.data.models.edges.length,
    );
  });

  it("never caches errors, mutations or job queries", async () => {
    const bad = "{ models(filter: { resolutions: [999] }) { totalCount } }";
    expect((await post(bad)).json.errors?.[0].extensions.code).toBe("BAD_USER_INPUT");
    expect((await post(bad)).cache).toBe("miss");
    expect((await post("{ measurementJobs { totalCount } }")).cache).toBeNull();
    expect((await post('mutation { cancelMeasurement(id: "999") { id } }')).cache).toBeNull();
  });
});
