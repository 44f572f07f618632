import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkEqual, loadPostGraphile, postGraphileOptions, WORKLOADS } from "../../bench/peer-workloads.js";
import { startTestServer, type TestServer } from "../helpers/test-server.js";

// bench:peer's equality check on a few requests of each workload: Favor (cache on and off) and PostGraphile on one
// PostgreSQL database give the same runs, counts and figures. PostGraphile needs real PostgreSQL.
describe.skipIf(!process.env.TEST_DATABASE_URL)(
  "answers equal to PostGraphile's (bench:peer workloads)",
  () => {
    let favor: TestServer;
    let uncached: TestServer;
    let pool: pg.Pool;
    let peer: Server;
    let peerUrl: string;

    beforeAll(async () => {
      favor = await startTestServer("postgres");
      const databaseUrl = favor.server.app.config.databaseUrl!;
      uncached = await startTestServer("postgres", { config: { responseCache: false, databaseUrl } });
      const { postgraphile, ConnectionFilterPlugin } = loadPostGraphile();
      pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      peer = createServer(
        postgraphile.postgraphile(pool, "public", postGraphileOptions(ConnectionFilterPlugin)),
      );
      await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
      peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}/graphql`;
    });

    afterAll(async () => {
      await new Promise((resolve) => peer?.close(resolve));
      await pool?.end();
      await uncached?.stop();
      await favor?.stop();
    });

    it.each(WORKLOADS.map((w) => [w.name, w] as const))("%s", async (_name, workload) => {
      let figures = 0;
      for (const i of [0, 3, 11]) {
        figures += await checkEqual(workload, `${favor.url}/graphql`, peerUrl, i);
        // The second ask of the same request is a response-cache hit on `favor`.
        figures += await checkEqual(workload, `${favor.url}/graphql`, peerUrl, i);
        figures += await checkEqual(workload, `${uncached.url}/graphql`, peerUrl, i);
      }
      expect(figures).toBeGreaterThan(100);
    });

    it("notices a difference", async () => {
      const [fullTable] = WORKLOADS;
      const wrong = {
        ...fullTable,
        peerRuns: (data: unknown) => ({ ...fullTable.peerRuns(data), totalCount: 89 }),
      };
      await expect(checkEqual(wrong, `${favor.url}/graphql`, peerUrl, 0)).rejects.toThrow(/answers differ/);
    });
  },
);
