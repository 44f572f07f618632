/**
 * Favor against PostGraphile (issue 14): the same PostgreSQL database (seeded by Favor), one Node process per
 * server, the same questions (bench/peer-workloads.ts: full table, distinct, pareto dashboard), their answers
 * checked equal before any timing, then autocannon in alternating rounds. Prints per-round req/s and ratios,
 * medians, RSS of each server at start and end, and each target as met / not met.
 *
 *   npm run bench:peer                                   # 3 rounds of 10 s per server and workload
 *   BENCH_DURATION_S=3 BENCH_ROUNDS=1 npm run bench:peer # quick look
 *   BENCH_AGE_S=600 nice -n 10 npm run bench:peer        # also the flat-memory check (10 min of distinct load)
 *
 * Servers: Favor as deployed (response cache on), Favor with FAVOR_RESPONSE_CACHE=0, PostGraphile 4.14.1 with
 * postgraphile-plugin-connection-filter 2.3.0 in library mode (query log and GraphiQL off). Each child runs with
 * NODE_ENV=production and Favor's request log off (LOG_LEVEL=warn unless set). A fresh database (favor_peer_…) is created from BENCH_DATABASE_URL / TEST_DATABASE_URL /
 * postgres://postgres@127.0.0.1:5432/test and dropped afterwards.
 */
import "reflect-metadata";

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

import autocannon from "autocannon";
import pg from "pg";

import {
  checkEqual,
  loadPostGraphile,
  type PeerWorkload,
  postGraphileOptions,
  requestBody,
  WORKLOADS,
} from "./peer-workloads.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const AGE_S = Number(process.env.BENCH_AGE_S ?? 0);

// ---- child roles -------------------------------------------------------------------------------------------------

interface ServePayload {
  databaseUrl: string;
  responseCache?: boolean;
}

async function serveFavor({ databaseUrl, responseCache }: ServePayload): Promise<void> {
  const { loadConfig } = await import("../src/config.js");
  const { startServer } = await import("../src/server.js");
  const server = await startServer({
    config: {
      ...loadConfig({}),
      port: 0,
      databaseUrl,
      production: true,
      worker: false,
      responseCache: responseCache ?? true,
    },
    routes: [],
  });
  process.send!({ url: `${server.url}/graphql` });
  process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
}

async function servePostGraphile({ databaseUrl }: ServePayload): Promise<void> {
  const { postgraphile: library, ConnectionFilterPlugin } = loadPostGraphile();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const middleware = library.postgraphile(pool, "public", postGraphileOptions(ConnectionFilterPlugin));
  const server = createServer(middleware);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` });
  process.on("disconnect", () => {
    server.close();
    void pool.end().then(() => process.exit(0));
  });
}

// ---- parent ------------------------------------------------------------------------------------------------------

type ServerKey = "favor" | "uncached" | "peer";

interface Server {
  key: ServerKey;
  name: string;
  url: string;
  child: ChildProcess;
  /** Request counter per workload: variables keep changing across warm-up and rounds. */
  sent: Map<string, number>;
}

interface Figures {
  reqPerSec: number;
  p50: number;
  p99: number;
  failures: number;
}

function startChild(key: ServerKey, name: string, payload: ServePayload): Promise<Server> {
  const role = key === "peer" ? "--serve-postgraphile" : "--serve-favor";
  const child = fork(fileURLToPath(import.meta.url), [role], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // Favor's per-request log lines off (LOG_LEVEL=warn), as PostGraphile's query log is: like for like.
    env: { LOG_LEVEL: "warn", ...process.env, NODE_ENV: "production" },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message) => {
      if ((message as { ready?: boolean }).ready) {
        child.send(payload);
        child.once("message", (m) =>
          resolve({ key, name, url: (m as { url: string }).url, child, sent: new Map() }),
        );
      }
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with code ${code}`)));
  });
}

/** Returns a child's resident set size in MB (read from /proc; the benchmark runs on Linux). */
async function rssMb(child: ChildProcess): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function load(server: Server, workload: PeerWorkload, duration: number): Promise<Figures> {
  const side = server.key === "peer" ? "peer" : "favor";
  let i = server.sent.get(workload.name) ?? 0;
  const result = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request) => ({ ...request, body: requestBody(workload, side, i++) }),
      },
    ],
  });
  server.sent.set(workload.name, i);
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ratioText = (r: number) => `${r.toFixed(2)}×`;
const verdict = (met: boolean) => (met ? "met" : "NOT met");

/** Alternating rounds of `workload` over `servers`; returns req/s figures per round and server. */
async function rounds(
  workload: PeerWorkload,
  servers: Server[],
  count: number,
): Promise<Array<Map<ServerKey, Figures>>> {
  for (const server of servers) await load(server, workload, WARMUP_S);
  const all: Array<Map<ServerKey, Figures>> = [];
  for (let round = 0; round < count; round++) {
    const figures = new Map<ServerKey, Figures>();
    // Rotate the order: on a shared machine the load drifts within a round.
    for (let k = 0; k < servers.length; k++) {
      const server = servers[(round + k) % servers.length];
      figures.set(server.key, await load(server, workload, DURATION_S));
    }
    all.push(figures);
    for (const server of servers) {
      const f = figures.get(server.key)!;
      console.log(
        `| ${workload.name} | ${round + 1} | ${server.name} | ${f.reqPerSec.toFixed(1)} | ${f.p50} | ${f.p99} | ${f.failures} |`,
      );
    }
  }
  return all;
}

async function main(): Promise<void> {
  const adminUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test";
  const dbName = `favor_peer_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const servers: Server[] = [];
  try {
    // Favor first: it migrates and seeds the database PostGraphile then introspects.
    servers.push(await startChild("favor", "Favor as deployed", { databaseUrl, responseCache: true }));
    servers.push(
      await startChild("uncached", "Favor FAVOR_RESPONSE_CACHE=0", { databaseUrl, responseCache: false }),
    );
    servers.push(await startChild("peer", "PostGraphile 4.14.1", { databaseUrl }));
    const [favor, uncached, peer] = servers;

    let figures = 0;
    for (const workload of WORKLOADS)
      for (const i of [0, 1, 2, 7, 23])
        for (const side of [favor, uncached]) figures += await checkEqual(workload, side.url, peer.url, i);
    console.log(
      `answers equal: ${WORKLOADS.length} workloads × 5 variable sets × both Favor servers, ${figures} figures compared exactly`,
    );
    const rssStart = new Map(
      await Promise.all(servers.map(async (s) => [s.key, await rssMb(s.child)] as const)),
    );

    console.log(
      `\n${CONNECTIONS} connections; ${ROUNDS} alternating rounds of ${DURATION_S} s per server and workload (after ${WARMUP_S} s warm-up)`,
    );
    for (const w of WORKLOADS) console.log(`- ${w.name}: ${w.description}`);
    console.log("\n| workload | round | server | req/s | p50 ms | p99 ms | failures |");
    console.log("|---|---:|---|---:|---:|---:|---:|");
    const results = new Map<string, Array<Map<ServerKey, Figures>>>();
    for (const workload of WORKLOADS) results.set(workload.name, await rounds(workload, servers, ROUNDS));

    console.log(
      "\n| workload | Favor as deployed | Favor cache off | PostGraphile | deployed ÷ PG (per round) | cache off ÷ PG (per round) |",
    );
    console.log("|---|---:|---:|---:|---|---|");
    const medianRatio = new Map<string, { deployed: number; uncached: number }>();
    for (const workload of WORKLOADS) {
      const r = results.get(workload.name)!;
      const rate = (key: ServerKey) => median(r.map((f) => f.get(key)!.reqPerSec));
      const perRound = (key: ServerKey) => r.map((f) => f.get(key)!.reqPerSec / f.get("peer")!.reqPerSec);
      const deployed = perRound("favor");
      const cacheOff = perRound("uncached");
      medianRatio.set(workload.name, { deployed: median(deployed), uncached: median(cacheOff) });
      console.log(
        `| ${workload.name} | ${rate("favor").toFixed(1)} | ${rate("uncached").toFixed(1)} | ${rate("peer").toFixed(1)} | ` +
          `${ratioText(median(deployed))} (${deployed.map(ratioText).join(", ")}) | ${ratioText(median(cacheOff))} (${cacheOff.map(ratioText).join(", ")}) |`,
      );
    }
    console.log("\n| server | RSS at start MB | RSS at end MB |");
    console.log("|---|---:|---:|");
    for (const server of servers)
      console.log(
        `| ${server.name} | ${rssStart.get(server.key)!.toFixed(0)} | ${(await rssMb(server.child)).toFixed(0)} |`,
      );

    const distinct = medianRatio.get("distinct")!.deployed;
    const fullTable = medianRatio.get("full table")!.uncached;
    console.log("");
    console.log(
      `target: distinct, Favor as deployed ≥ 1.5× PostGraphile: ${ratioText(distinct)}, ${verdict(distinct >= 1.5)}`,
    );
    console.log(
      `target: full table, Favor cache off ≥ 2× PostGraphile: ${ratioText(fullTable)}, ${verdict(fullTable >= 2)}`,
    );
    await cacheHitTarget(favor.url, databaseUrl);
    if (AGE_S > 0) await flatMemoryTarget(databaseUrl, uncached);
    else console.log("target: flat memory: not measured (set BENCH_AGE_S=600)");
  } finally {
    for (const server of servers) server.child.disconnect();
    await Promise.all(
      servers.map(
        ({ child }) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r))),
      ),
    );
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * A cache hit costs no SQL round trip: the statements PostgreSQL counts for the database (pg_stat_database's
 * xact_commit, a transaction per statement outside BEGIN) do not move while Favor answers 200 cached requests.
 */
async function cacheHitTarget(url: string, databaseUrl: string): Promise<void> {
  const workload = WORKLOADS[0];
  const body = requestBody(workload, "favor", 0);
  const post = () => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const first = await post();
  await first.arrayBuffer();
  const hits = 200;
  const stats = new pg.Client({ connectionString: databaseUrl });
  await stats.connect();
  const transactions = async () => {
    await stats.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await stats.query<{ n: string }>(
      "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()",
    );
    return Number(rows[0].n);
  };
  // PostgreSQL flushes a backend's counts when it goes idle, within 10 s; wait that out around each read, and
  // calibrate what the reads themselves add.
  const settle = () => new Promise((r) => setTimeout(r, 11_000));
  await settle();
  const calibration = await transactions();
  await settle();
  const before = await transactions();
  const overhead = before - calibration;
  let hitHeaders = 0;
  for (let k = 0; k < hits; k++) {
    const response = await post();
    await response.arrayBuffer();
    if (response.headers.get("x-favor-cache") === "hit") hitHeaders++;
  }
  await settle();
  const after = await transactions();
  await stats.end();
  const sql = after - before - overhead;
  const perHit = sql / hits;
  console.log(
    `target: a cache hit costs no SQL round trip: ${hitHeaders}/${hits} hits, ${sql} transactions on the database during them (${perHit.toFixed(2)} per hit), ${verdict(hitHeaders === hits && perHit < 0.05)}`,
  );
}

/**
 * Flat memory: `AGE_S` seconds of the distinct workload on the cache-off Favor process, then its RSS (≤ 400 MB)
 * and its full-table rate against a fresh cache-off process in alternating rounds (within 10 %).
 */
async function flatMemoryTarget(databaseUrl: string, aged: Server): Promise<void> {
  const distinct = WORKLOADS.find((w) => w.name === "distinct")!;
  const fullTable = WORKLOADS.find((w) => w.name === "full table")!;
  const before = await rssMb(aged.child);
  await load(aged, distinct, AGE_S);
  const after = await rssMb(aged.child);
  const fresh = await startChild("favor", "fresh Favor FAVOR_RESPONSE_CACHE=0", {
    databaseUrl,
    responseCache: false,
  });
  try {
    const agedView = { ...aged, key: "uncached" as ServerKey, name: `Favor cache off after ${AGE_S} s` };
    console.log("\n| workload | round | server | req/s | p50 ms | p99 ms | failures |");
    console.log("|---|---:|---|---:|---:|---:|---:|");
    const r = await rounds(fullTable, [agedView, fresh], ROUNDS);
    const ratios = r.map((f) => f.get("uncached")!.reqPerSec / f.get("favor")!.reqPerSec);
    const ratio = median(ratios);
    console.log(
      `target: flat memory: RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB after ${AGE_S} s of distinct load (≤ 400 MB: ${verdict(after <= 400)}); ` +
        `full-table rate aged ÷ fresh ${ratioText(ratio)} (${ratios.map(ratioText).join(", ")}; ≥ 0.90×: ${verdict(ratio >= 0.9)})`,
    );
  } finally {
    // Wait for it to close its connections: the database is dropped WITH (FORCE) next.
    const exited = new Promise((r) =>
      fresh.child.exitCode !== null ? r(null) : fresh.child.once("exit", r),
    );
    fresh.child.disconnect();
    await exited;
  }
}

const role = process.argv[2];
if (role === "--serve-favor" || role === "--serve-postgraphile") {
  process.once("message", (payload) => {
    (role === "--serve-favor" ? serveFavor : servePostGraphile)(payload as ServePayload).catch((error) => {
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
