/**
 * API benchmark (issue 2): the full-table query (all 90 runs with 10 metrics) at 32 connections with autocannon,
 * against Favor on real PostgreSQL and against a bare Apollo Server returning the same JSON from memory.
 * Favor runs twice: as deployed (repeated queries answered from its whole-response cache, checked against the
 * data version on every request) and with FAVOR_RESPONSE_CACHE=0 (every request executed: resolvers, page cache,
 * serialisation). Prints req/s, p50 and p99 of each and the ratios. Targets: Favor ≥ 70% of bare, p99 ≤ 25 ms.
 *
 *   npm run bench:api                       # PostgreSQL from BENCH_DATABASE_URL / TEST_DATABASE_URL / local `test`
 *   BENCH_DURATION_S=20 BENCH_ROUNDS=5 npm run bench:api
 *
 * The servers are measured in rotating order for several rounds (on a shared machine the load drifts);
 * the verdict uses the median round.
 * Each server runs in its own child process so the load generator does not share its event loop. Favor gets a
 * fresh database (CREATE DATABASE favor_bench_…, dropped afterwards), in production mode.
 */
import "reflect-metadata";

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

import autocannon from "autocannon";
import pg from "pg";

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 3;
const METRICS = [
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
/** The full-table query: what a dashboard table loads. */
export const FULL_TABLE_QUERY = `query FullTable {
  runs(first: 100) {
    totalCount
    edges { node {
      id runName resolution pretrainResolution
      model { name family taxonomyClass }
      metrics(keys: ${JSON.stringify(METRICS)}) { key value unit batchSize }
    } }
  }
}`;
const BODY = JSON.stringify({ query: FULL_TABLE_QUERY });

// ---- child roles -------------------------------------------------------------------------------------------------

async function serveFavor({
  databaseUrl,
  responseCache,
}: {
  databaseUrl: string;
  responseCache: boolean;
}): Promise<void> {
  const { loadConfig } = await import("../src/config.js");
  const { startServer } = await import("../src/server.js");
  const server = await startServer({
    config: { ...loadConfig({}), port: 0, databaseUrl, production: true, worker: false, responseCache },
    routes: [],
  });
  process.send!({ url: `${server.url}/graphql` });
  process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
}

async function serveBare(data: unknown): Promise<void> {
  const { ApolloServer } = await import("@apollo/server");
  const { startStandaloneServer } = await import("@apollo/server/standalone");
  const { readFileSync } = await import("node:fs");
  const typeDefs = readFileSync(new URL("../schema.graphql", import.meta.url), "utf8");
  const fullTable = (data as { runs: unknown }).runs;
  const server = new ApolloServer({
    typeDefs,
    resolvers: { Query: { runs: () => fullTable } },
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  process.send!({ url });
  process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
}

// ---- parent ------------------------------------------------------------------------------------------------------

interface Figures {
  name: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function startChild(role: string, payload: unknown): Promise<{ child: ChildProcess; url: string }> {
  // Both servers as deployed: NODE_ENV=production (graphql-js skips its development-only checks).
  const child = fork(fileURLToPath(import.meta.url), [role], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, NODE_ENV: "production" },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message) => {
      if ((message as { ready?: boolean }).ready) {
        child.send(payload as object);
        child.once("message", (m) => resolve({ child, url: (m as { url: string }).url }));
      }
    });
    child.once("exit", (code) => reject(new Error(`${role} server exited with code ${code}`)));
  });
}

function load(url: string, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: BODY,
  });
}

async function measure(name: string, url: string): Promise<Figures> {
  const result = await load(url, DURATION_S);
  return {
    name,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const adminUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test";
  const dbName = `favor_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const children: ChildProcess[] = [];
  try {
    const favor = await startChild("--serve-favor", { databaseUrl, responseCache: true });
    children.push(favor.child);
    const response = await fetch(favor.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    const json = (await response.json()) as { data: { runs: { edges: unknown[] } }; errors?: unknown };
    if (json.errors || json.data.runs.edges.length !== 90)
      throw new Error(`unexpected answer: ${JSON.stringify(json).slice(0, 300)}`);
    const bytes = Buffer.byteLength(JSON.stringify(json));
    const uncached = await startChild("--serve-favor", { databaseUrl, responseCache: false });
    children.push(uncached.child);
    const bare = await startChild("--serve-bare", json.data);
    children.push(bare.child);
    for (const other of [uncached, bare]) {
      const same = await (
        await fetch(other.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: BODY,
        })
      ).json();
      if (JSON.stringify(same) !== JSON.stringify(json)) throw new Error("the servers' answers differ");
    }

    console.log(
      `full-table query: 90 runs × ${METRICS.length} metrics, ${bytes} bytes; ${CONNECTIONS} connections; ` +
        `${ROUNDS} rounds of ${DURATION_S} s per server (after ${WARMUP_S} s warm-up each)`,
    );
    const servers = [
      { key: "favor", name: "favor (postgres, as deployed)", url: favor.url },
      { key: "uncached", name: "favor (postgres, FAVOR_RESPONSE_CACHE=0)", url: uncached.url },
      { key: "bare", name: "bare apollo (memory)", url: bare.url },
    ];
    for (const server of servers) await load(server.url, WARMUP_S);
    const rounds: Array<Record<string, Figures>> = [];
    console.log("");
    console.log("| round | server | req/s | p50 ms | p99 ms | errors | non-2xx |");
    console.log("|---:|---|---:|---:|---:|---:|---:|");
    for (let round = 1; round <= ROUNDS; round++) {
      const figures: Record<string, Figures> = {};
      // Rotate the order: on a shared machine the load drifts within a round.
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(round - 1 + i) % servers.length];
        figures[server.key] = await measure(server.name, server.url);
      }
      rounds.push(figures);
      for (const server of servers) {
        const f = figures[server.key];
        console.log(
          `| ${round} | ${f.name} | ${f.reqPerSec.toFixed(0)} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.non2xx} |`,
        );
      }
    }
    console.log("");
    for (const key of ["favor", "uncached"]) {
      const ratios = rounds.map((r) => r[key].reqPerSec / r.bare.reqPerSec);
      const ratio = median(ratios);
      const p99 = median(rounds.map((r) => r[key].p99));
      console.log(
        `${rounds[0][key].name}: req/s vs bare per round ${ratios.map((r) => `${(r * 100).toFixed(1)}%`).join(", ")}; ` +
          `median ${(ratio * 100).toFixed(1)}% (target ≥ 70%: ${ratio >= 0.7 ? "met" : "NOT met"}); ` +
          `median p99 ${p99} ms (target ≤ 25 ms: ${p99 <= 25 ? "met" : "NOT met"})`,
      );
    }
    console.log(`bare apollo (memory): median p99 ${median(rounds.map((r) => r.bare.p99))} ms`);
  } finally {
    for (const child of children) child.disconnect();
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))),
    );
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

const role = process.argv[2];
if (role === "--serve-favor" || role === "--serve-bare") {
  process.once("message", (payload) => {
    (role === "--serve-favor"
      ? serveFavor(payload as { databaseUrl: string; responseCache: boolean })
      : serveBare(payload)
    ).catch((error) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.send!({ ready: true });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
