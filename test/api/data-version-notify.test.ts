import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sql } from "../../src/db/client.js";
import { BACKENDS, startTestServer, type TestServer } from "../helpers/test-server.js";

/**
 * The response cache's data version comes from PostgreSQL notifications (LISTEN favor_data_version), not from a
 * read per request: a cache hit costs no SQL round trip, and a figure written by another connection (on
 * PostgreSQL another process would use one) is served on the next request after its notification.
 */
const QUERY = `{ run(id: 17) { metrics(keys: ["params"]) { value } } }`;

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(BACKENDS)("data version from notifications (%s)", (backend) => {
  let api: TestServer;
  let databaseUrl: string | undefined;

  beforeAll(async () => {
    api = await startTestServer(backend, { config: { responseCache: true } });
    databaseUrl = api.server.app.config.databaseUrl;
    await until(() => api.server.app.services.dataVersion.listening, "the subscription");
  });
  afterAll(() => api?.stop());

  async function ask(): Promise<{ params: number; cache: string | null }> {
    const response = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await response.json()) as { data: { run: { metrics: Array<{ value: number }> } } };
    return { params: body.data.run.metrics[0].value, cache: response.headers.get("x-favor-cache") };
  }

  /** Writes run 17's params as another client would: over its own connection on PostgreSQL. */
  async function writeElsewhere(value: number): Promise<void> {
    const statement = `UPDATE cells SET value = ${value} WHERE run_id = 17 AND metric_key = 'params'`;
    if (!databaseUrl) {
      await api.server.app.services.database.db.execute(sql.raw(statement));
      return;
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  it("answers cache hits without reading the data version", async () => {
    const { dataVersion } = api.server.app.services;
    await ask();
    const reads = dataVersion.reads;
    for (let i = 0; i < 20; i++) expect((await ask()).cache).toBe("hit");
    expect(dataVersion.reads).toBe(reads);
  });

  it("serves a figure written elsewhere on the next request after the notification", async () => {
    const { dataVersion } = api.server.app.services;
    const before = await ask();
    const version = await dataVersion.current();
    await writeElsewhere(before.params + 1);
    await until(async () => (await dataVersion.current()) > version, "the notification");
    expect(await ask()).toEqual({ params: before.params + 1, cache: "miss" });
    expect((await ask()).cache).toBe("hit");
  });

  it.runIf(backend === "postgres")(
    "reads the version on every request while the subscription is lost, and listens again after it reconnects",
    async () => {
      const { dataVersion } = api.server.app.services;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        // End the listener's backend, as a PostgreSQL restart or a dropped connection would.
        const ended = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        );
        expect(ended.rowCount).toBe(1);
        await until(() => !dataVersion.listening, "the loss to be noticed");
        // Meanwhile every request reads the version, so a write is never missed.
        const reads = dataVersion.reads;
        const before = await ask();
        expect(dataVersion.reads).toBeGreaterThan(reads);
        await admin.query(
          `UPDATE cells SET value = ${before.params + 1} WHERE run_id = 17 AND metric_key = 'params'`,
        );
        if (!dataVersion.listening) expect((await ask()).params).toBe(before.params + 1);
        await until(() => dataVersion.listening, "the reconnect", 10_000);
        const after = dataVersion.reads;
        await ask();
        expect(dataVersion.reads).toBe(after);
      } finally {
        await admin.end();
      }
    },
  );
});
