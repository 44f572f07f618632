import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OPERATION_LIMITS } from "../../src/limits/operation-limits.js";
import { MAX_PAGE_SIZE } from "../../src/services/pagination.js";
import {
  BACKENDS,
  captureLogs,
  type GraphQLResult,
  startTestServer,
  type TestServer,
} from "../helpers/test-server.js";

const MAX_QUERY_DEPTH = DEFAULT_OPERATION_LIMITS.maxDepth;

/** Asserts one BAD_USER_INPUT error whose message names `value`. */
function expectBadInput(result: GraphQLResult, value: string | number) {
  expect(result.errors, JSON.stringify(result)).toHaveLength(1);
  const [error] = result.errors!;
  expect(error.extensions?.code).toBe("BAD_USER_INPUT");
  expect(error.message).toContain(String(value));
}

describe.each(BACKENDS)("bad inputs and limits (%s)", (backend) => {
  let api: TestServer;
  beforeAll(async () => (api = await startTestServer(backend)));
  afterAll(() => api?.stop());

  it("rejects an unknown model by name", async () => {
    expectBadInput(await api.graphql(`{ model(name: "ViT-XXL/99") { name } }`), "ViT-XXL/99");
    expectBadInput(await api.graphql(`{ runs(filter: { name: "nope-net" }) { totalCount } }`), "nope-net");
  });

  it("accepts a model name in any case and punctuation that names one model, and suggests close names", async () => {
    for (const name of ["vit-ti/16", "VIT TI 16", "ViT_Ti_16", "deit_small_patch16_ls"]) {
      const result = await api.graphql(`query($n: String!) { model(name: $n) { name } }`, { n: name });
      expect(result.errors, name).toBeUndefined();
      expect(result.data.model.name).toBe(name.startsWith("deit") ? "DeiT-S (LS)" : "ViT-Ti/16");
    }
    const filtered = await api.graphql(
      `{ runs(filter: { name: "vit-s/16" }) { edges { node { model { name } } } } }`,
    );
    expect(new Set(filtered.data.runs.edges.map((e: any) => e.node.model.name))).toEqual(
      new Set(["ViT-S/16"]),
    );

    const typo = await api.graphql(`{ model(name: "ViT-Ti/61") { name } }`);
    expectBadInput(typo, "ViT-Ti/61");
    expect(typo.errors![0].message).toMatch(/^Unknown model "ViT-Ti\/61"\. Did you mean "ViT-Ti\/16"/);
    expect(typo.errors![0].extensions?.suggestions).toContain("ViT-Ti/16");
    const metric = await api.graphql(`{ metric(key: "throughputt") { key } }`);
    expectBadInput(metric, "throughputt");
    expect(metric.errors![0].message).toContain('Did you mean "throughput"?');
    expect(metric.errors![0].extensions?.suggestions).toEqual(["throughput"]);
  });

  it("rejects an unknown metric wherever a metric is named", async () => {
    const queries = [
      `{ runs(filter: { metrics: [{ metric: "speed", op: GT, value: 1 }] }) { totalCount } }`,
      `{ models(orderBy: [{ metric: "speed" }]) { totalCount } }`,
      `{ runs(first: 1) { edges { node { metrics(keys: ["speed"]) { value } } } } }`,
      `{ runs(first: 1) { edges { node { value(metric: "speed") } } } }`,
      `{ metric(key: "speed") { key } }`,
      `{ aggregates(metric: "speed", groupBy: FAMILY) { group } }`,
    ];
    for (const query of queries) expectBadInput(await api.graphql(query), "speed");
  });

  it("rejects an unknown operator, as a literal and as a variable", async () => {
    expectBadInput(
      await api.graphql(
        `{ runs(filter: { metrics: [{ metric: "params", op: ABOUT, value: 1 }] }) { totalCount } }`,
      ),
      "ABOUT",
    );
    expectBadInput(
      await api.graphql(`query($f: SubjectFilterInput) { runs(filter: $f) { totalCount } }`, {
        f: { metrics: [{ metric: "params", op: "ABOUT", value: 1 }] },
      }),
      "ABOUT",
    );
  });

  it("rejects a constraint without its operand", async () => {
    expectBadInput(
      await api.graphql(`{ runs(filter: { metrics: [{ metric: "params", op: GT }] }) { totalCount } }`),
      "params",
    );
    expectBadInput(
      await api.graphql(
        `{ runs(filter: { metrics: [{ metric: "params", op: IN, values: [] }] }) { totalCount } }`,
      ),
      "IN",
    );
  });

  it("rejects bad cursors", async () => {
    for (const cursor of [
      "garbage",
      Buffer.from("favor:offset:-3").toString("base64url"),
      Buffer.from("other:1").toString("base64url"),
    ]) {
      expectBadInput(
        await api.graphql(`query($a: String) { runs(after: $a) { totalCount } }`, { a: cursor }),
        cursor,
      );
    }
  });

  it("rejects page sizes over the limit or negative", async () => {
    expectBadInput(
      await api.graphql(`{ runs(first: ${MAX_PAGE_SIZE + 1}) { totalCount } }`),
      MAX_PAGE_SIZE + 1,
    );
    expectBadInput(await api.graphql(`{ models(first: -1) { totalCount } }`), -1);
    expect((await api.graphql(`{ runs(first: ${MAX_PAGE_SIZE}) { totalCount } }`)).errors).toBeUndefined();
  });

  it("rejects resolutions that do not exist and non-integer ones", async () => {
    expectBadInput(await api.graphql(`{ models(filter: { resolutions: [512] }) { totalCount } }`), 512);
    expectBadInput(await api.graphql(`{ runs(filter: { pretrainResolutions: [384] }) { totalCount } }`), 384);
    expectBadInput(await api.graphql(`{ runs(filter: { resolutions: [22.4] }) { totalCount } }`), "22.4");
  });

  it("rejects unknown families, classes, categories and devices", async () => {
    expectBadInput(
      await api.graphql(`{ runs(filter: { families: ["Transformer-XL"] }) { totalCount } }`),
      "Transformer-XL",
    );
    expectBadInput(
      await api.graphql(`{ runs(filter: { taxonomyClasses: ["Magic"] }) { totalCount } }`),
      "Magic",
    );
    expectBadInput(
      await api.graphql(`{ runs(filter: { changesWhat: ["Everything"] }) { totalCount } }`),
      "Everything",
    );
    expectBadInput(await api.graphql(`{ runs(device: "TPU v9") { totalCount } }`), "TPU v9");
    expectBadInput(await api.graphql(`{ device(id: "999") { name } }`), "999");
  });

  it("rejects an ordering entry with both or neither of field and metric", async () => {
    expectBadInput(
      await api.graphql(`{ runs(orderBy: [{ field: NAME, metric: "params" }]) { totalCount } }`),
      "field",
    );
    expectBadInput(await api.graphql(`{ runs(orderBy: [{ direction: DESC }]) { totalCount } }`), "metric");
  });

  it("limits query depth", async () => {
    let selection = "name";
    for (let i = 0; i < MAX_QUERY_DEPTH; i++) selection = `runs { model { ${selection} } }`;
    const result = await api.graphql(`{ model(name: "ViT-S/16") { ${selection} } }`);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].message).toMatch(/exceeds maximum operation depth/);
    expect(result.errors?.[0].extensions?.code).toBe("QUERY_TOO_COMPLEX");
  });

  it("answers /healthz and a 404 for unknown paths", async () => {
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: "ok",
      database: backend === "pglite" ? "pglite" : "postgres",
    });
    expect((await fetch(`${api.url}/no-such-thing`)).status).toBe(404);
  });

  it("gives a client's mistakes no stack trace, even in development", async () => {
    const bad = await api.graphql(`{ model(name: "nope") { name } }`);
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0].extensions?.stacktrace).toBeUndefined();
    const literal = await api.graphql(`{ runs(first: "ten") { totalCount } }`);
    expect(literal.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(literal.errors?.[0].extensions?.stacktrace).toBeUndefined();
    const invalid = await api.graphql(`{ noSuchField }`);
    expect(invalid.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(invalid.errors?.[0].extensions?.stacktrace).toBeUndefined();
  });
});

describe.each(BACKENDS)("production mode (%s)", (backend) => {
  let api: TestServer;
  let logs: ReturnType<typeof captureLogs>;
  beforeAll(async () => {
    logs = captureLogs();
    api = await startTestServer(backend, { config: { production: true } });
  });
  afterAll(async () => {
    logs.restore();
    await api?.stop();
  });

  it("keeps user errors readable but without stack traces", async () => {
    const result = await api.graphql(`{ model(name: "nope") { name } }`);
    expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0].message).toContain("nope");
    expect(result.errors?.[0].extensions?.stacktrace).toBeUndefined();
  });

  it("masks internal errors and reports an unreachable database on /healthz", async () => {
    await api.server.app.services.database.close();
    // The server logs the internal error ("PGlite is closed", or pg's ended pool) with its stack, the request id
    // and the code, into the captured log (kept off the test output).
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "errors-test-1" },
      body: JSON.stringify({ query: "{ runs(first: 1) { totalCount } }" }),
    });
    expect(response.headers.get("x-request-id")).toBe("errors-test-1");
    const result = (await response.json()) as GraphQLResult;
    const logged = logs.lines.find((l) => l.msg === "internal error");
    expect(logged).toMatchObject({
      level: "error",
      requestId: "errors-test-1",
      code: "INTERNAL_SERVER_ERROR",
    });
    expect(logged?.err.stack).toMatch(/\n\s+at /);
    // Logged without a failed query's parameters.
    expect(JSON.stringify(logged)).not.toMatch(/params: (?!\[redacted\])/);
    expect(result.errors?.[0].message).toBe("Internal server error");
    expect(result.errors?.[0].extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
    expect(JSON.stringify(result)).not.toMatch(/pool|PGlite|closed|at /i);
    const health = await fetch(`${api.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "unavailable", error: "database unreachable" });
  });
});
