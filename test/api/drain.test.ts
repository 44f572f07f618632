import { Agent, request } from "node:http";

import { describe, expect, it } from "vitest";

import { startTestServer } from "../helpers/test-server.js";

const QUERY = JSON.stringify({
  query: "{ runs(first: 50) { edges { node { id model { name } metrics { key value } } } } }",
});
const CLIENTS = 64;

/** One POST over `agent`; resolves with the status and `Connection` header, rejects with the socket error. */
function post(url: URL, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", agent, headers: { "content-type": "application/json" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(QUERY);
  });
}

describe("stop() under keep-alive load", () => {
  it("answers every request in flight, closes keep-alive connections and resets none", async () => {
    const api = await startTestServer("pglite");
    const url = new URL(`${api.url}/graphql`);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const outcomes = { ok: 0, closeHeader: 0, refused: 0, reset: 0, other: [] as string[] };
    const answered = new Array<number>(CLIENTS).fill(0);
    let stopped = false;
    // Each client sends its next request as soon as the last one is answered, until the server is gone.
    const clients = answered.map(async (_, client) => {
      for (;;) {
        try {
          const { status, connection } = await post(url, agent);
          expect(status).toBe(200);
          outcomes.ok++;
          answered[client]++;
          if (connection === "close") outcomes.closeHeader++;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          if (code === "ECONNREFUSED" && stopped) outcomes.refused++;
          else if (code === "ECONNRESET" || /hang up/.test(String(code))) outcomes.reset++;
          else outcomes.other.push(String(code));
          return;
        }
      }
    });
    // SIGTERM comes to a loaded server: every client's keep-alive connection is open and has been answered twice.
    const deadline = Date.now() + 30_000;
    while (answered.some((n) => n < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(Math.min(...answered)).toBeGreaterThanOrEqual(2);
    const started = performance.now();
    stopped = true;
    try {
      await api.stop();
    } finally {
      await Promise.all(clients);
      agent.destroy();
    }
    expect(outcomes.reset, JSON.stringify(outcomes)).toBe(0);
    expect(outcomes.other).toEqual([]);
    // Every client ended by finding the server gone, after its last request was answered with Connection: close.
    expect(outcomes.refused).toBe(CLIENTS);
    expect(outcomes.closeHeader).toBe(CLIENTS);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
