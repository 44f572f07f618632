/**
 * Abuse benchmark: 64 connections for 60 s of the README's queries mixed with hostile requests (thousands of
 * aliases, a nested Pareto query, a fragment cycle, NUL bytes, oversized lists) and distinct filter values (so the
 * response cache cannot help), against Favor on PostgreSQL in production mode. Meanwhile a probe sends
 * `{ __typename }` every 50 ms on its own connection. Prints the status counts, resets, the probe's p50/p99 and the
 * server's peak RSS, with the targets: zero 5xx, zero resets, probe p99 ≤ 50 ms.
 *
 *   npm run bench:abuse
 *   BENCH_DURATION_S=20 npm run bench:abuse
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:abuse   # and the server's CPU profile
 */
import "reflect-metadata";

import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

import autocannon from "autocannon";
import pg from "pg";

import { EXPLORER_EXAMPLES } from "../src/web/explorer-examples.js";

const CONNECTIONS = 64;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
const PROBE_EVERY_MS = 50;

const EPOCHS = "epoch loss learningRate acc1 acc5 validationLoss valAcc1 valAcc5 time timeSum";
const PAGE =
  "models(first: 200) { totalCount edges { node { model { name } metrics { key value unit provenance } } } }";

/** The hostile requests of issue 10, each a JSON body. */
const HOSTILE: Array<{ name: string; body: unknown }> = [
  {
    name: "3,000 aliases",
    body: { query: `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: ${PAGE}`).join(" ")} }` },
  },
  {
    name: "20 full pages",
    body: { query: `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: ${PAGE}`).join(" ")} }` },
  },
  {
    name: "nested Pareto",
    body: {
      query: `{ paretoFront(objectives: [{ metric: "accuracyTop1" }]) { points { dominators { run { id metrics { key value provenance } epochs { ${EPOCHS} } } } } } }`,
    },
  },
  {
    name: "fragment cycle",
    body: { query: "fragment A on Query { ...B } fragment B on Query { ...A } query { ...A }" },
  },
  { name: "2,002 levels", body: { query: `{ ${"a { ".repeat(2002)}b${" }".repeat(2002)} }` } },
  {
    name: "NUL byte",
    body: {
      query: "query ($s: String) { runs(filter: { nameContains: $s }) { totalCount } }",
      variables: { s: "vit\u0000" },
    },
  },
  {
    name: "100,000 IN values",
    body: {
      query:
        'query ($v: [Float!]) { runs(filter: { metrics: [{ metric: "params", op: IN, values: $v }] }) { totalCount } }',
      variables: { v: Array.from({ length: 100_000 }, (_, i) => i) },
    },
  },
  {
    name: "20,000 orderBy",
    body: {
      query: "query ($o: [OrderByInput!]) { runs(orderBy: $o) { totalCount } }",
      variables: { o: Array.from({ length: 20_000 }, () => ({ field: "NAME" })) },
    },
  },
];

/** A read the cache cannot answer: a new threshold on every request. */
const DISTINCT_QUERY =
  'query ($min: Float!) { runs(first: 100, filter: { metrics: [{ metric: "params", op: GTE, value: $min }] }) { totalCount edges { node { id model { name } metrics(keys: ["accuracyTop1", "throughput", "params"]) { key value unit } } } } }';

// ---- server child ------------------------------------------------------------------------------------------------

async function serveFavor(databaseUrl: string): Promise<void> {
  const { loadConfig } = await import("../src/config.js");
  const { startServer } = await import("../src/server.js");
  const server = await startServer({
    // The operator's FAVOR_* settings apply (e.g. FAVOR_MAX_CONCURRENT_OPERATIONS), as for `npm start`.
    config: { ...loadConfig(process.env), port: 0, databaseUrl, production: true, worker: false },
  });
  let peak = process.memoryUsage().rss;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100).unref();
  // How long a callback held the event loop: what the probe waits behind.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  process.on("message", (m) => {
    if ((m as { peak?: boolean }).peak) {
      const ms = (ns: number) => ns / 1e6;
      process.send!({
        peakRss: peak,
        rss: process.memoryUsage().rss,
        loopDelayMs: {
          p50: ms(loopDelay.percentile(50)),
          p99: ms(loopDelay.percentile(99)),
          max: ms(loopDelay.max),
        },
      });
      loopDelay.reset();
    }
  });
  process.send!({ url: `${server.url}/graphql` });
  process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
}

// ---- parent ------------------------------------------------------------------------------------------------------

function startFavor(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const child = fork(fileURLToPath(import.meta.url), ["--serve-favor", databaseUrl], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // BENCH_CPU_PROF=<dir> writes the server's CPU profile there (open it in Chrome's DevTools).
    execArgv: [
      ...process.execArgv,
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_TRACE_GC ? ["--trace-gc"] : []),
    ],
    env: { ...process.env, NODE_ENV: "production" },
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve({ child, url: (m as { url: string }).url }));
    child.once("exit", (code) => reject(new Error(`server exited with code ${code}`)));
  });
}

interface ServerFigures {
  peakRss: number;
  rss: number;
  /** The event loop's delay since the previous ask: p50, p99 and max in ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
}

function askPeak(child: ChildProcess): Promise<ServerFigures> {
  return new Promise((resolve) => {
    child.once("message", (m) => resolve(m as ServerFigures));
    child.send({ peak: true });
  });
}

/** Sends `{ __typename }` every PROBE_EVERY_MS until `signal` aborts; returns each answer's latency in ms. */
async function probe(url: string, signal: AbortSignal): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  while (!signal.aborted) {
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"query":"{ __typename }"}',
      });
      const json = (await response.json()) as { data?: { __typename?: string } };
      if (json.data?.__typename !== "Query") failures++;
      latencies.push(performance.now() - started);
    } catch {
      failures++;
    }
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  return { latencies, failures };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
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
  let child: ChildProcess | undefined;
  try {
    const favor = await startFavor(databaseUrl);
    child = favor.child;
    const start = await askPeak(child);
    const readme = EXPLORER_EXAMPLES.filter((e) => !e.needsToken).map((e) => ({
      name: e.title,
      body: { query: e.query, variables: e.variables ? JSON.parse(e.variables) : undefined },
    }));
    // Each request alone, twice (the second may be a cache hit): what one costs before any load.
    const kinds = [
      ...readme,
      { name: "distinct read", body: { query: DISTINCT_QUERY, variables: { min: 1234.5 } } },
      ...HOSTILE,
    ];
    console.log("| request | status | answer bytes | ms (first / second) |");
    console.log("|---|---:|---:|---:|");
    for (const kind of kinds) {
      const times: number[] = [];
      let answer = { status: 0, bytes: 0 };
      for (let i = 0; i < 2; i++) {
        const started = performance.now();
        const response = await fetch(favor.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(kind.body),
        });
        answer = { status: response.status, bytes: (await response.arrayBuffer()).byteLength };
        times.push(performance.now() - started);
      }
      console.log(
        `| ${kind.name} | ${answer.status} | ${answer.bytes.toLocaleString("en")} | ${times.map((t) => t.toFixed(1)).join(" / ")} |`,
      );
    }
    await askPeak(child); // starts the event-loop delay afresh for the load
    // Each connection cycles through: the README's queries, a distinct read, then one hostile request.
    const requests: autocannon.Request[] = [];
    for (const hostile of HOSTILE) {
      for (const example of readme) requests.push(post(example.body));
      requests.push({
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ query: DISTINCT_QUERY, variables: { min: Math.random() * 1e8 } }),
        }),
      });
      requests.push(post(hostile.body));
    }
    console.log(
      `abuse: ${CONNECTIONS} connections, ${DURATION_S} s; per cycle ${readme.length} README queries, 1 distinct read and 1 of ${HOSTILE.length} hostile requests; probe every ${PROBE_EVERY_MS} ms`,
    );
    // The probe runs in a process of its own: in this one, autocannon's 64 connections would delay its timers
    // and reads, and its latencies would be this process's event loop as much as the server's.
    const probing = probeInChild(favor.url);
    const result = await autocannon({
      url: favor.url,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests,
    });
    probing.stop();
    const { latencies, failures } = await probing.result;
    const end = await askPeak(child);
    const codes = result.statusCodeStats as unknown as Record<string, { count: number }>;
    const count = (test: (code: number) => boolean) =>
      Object.entries(codes)
        .filter(([code]) => test(Number(code)))
        .reduce((n, [, s]) => n + s.count, 0);
    const fivexx = count((c) => c >= 500);
    const resets = result.errors + result.timeouts;
    const p99 = percentile(latencies, 99);
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    console.log("");
    console.log("| figure | value | target |");
    console.log("|---|---:|---|");
    console.log(`| requests | ${result.requests.total} (${result.requests.average.toFixed(0)} req/s) | |`);
    console.log(
      `| 2xx / 4xx / 5xx | ${count((c) => c < 300)} / ${count((c) => c >= 400 && c < 500)} / ${fivexx} | 5xx = 0: ${fivexx === 0 ? "met" : "NOT met"} |`,
    );
    console.log(`| resets and timeouts | ${resets} | 0: ${resets === 0 ? "met" : "NOT met"} |`);
    console.log(
      `| probe \`{ __typename }\` p50 / p99 | ${percentile(latencies, 50).toFixed(1)} / ${p99.toFixed(1)} ms (${latencies.length} probes, ${failures} failed) | p99 ≤ 50 ms: ${p99 <= 50 && failures === 0 ? "met" : "NOT met"} |`,
    );
    console.log(
      `| server RSS at start / peak / end | ${mib(start.rss)} / ${mib(end.peakRss)} / ${mib(end.rss)} | bounded |`,
    );
    const delay = end.loopDelayMs;
    console.log(
      `| server event-loop delay p50 / p99 / max | ${delay.p50.toFixed(1)} / ${delay.p99.toFixed(1)} / ${delay.max.toFixed(1)} ms | max ≤ 100 ms: ${delay.max <= 100 ? "met" : "NOT met"} |`,
    );
  } finally {
    if (child?.connected) {
      const exited = new Promise((r) => child?.once("exit", r));
      child.disconnect();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

function post(body: unknown): autocannon.Request {
  return { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** Starts the probe in a child process; `stop()` ends it, and `result` holds its latencies. */
function probeInChild(url: string): {
  stop: () => void;
  result: Promise<{ latencies: number[]; failures: number }>;
} {
  const child = fork(fileURLToPath(import.meta.url), ["--probe", url], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const result = new Promise<{ latencies: number[]; failures: number }>((resolve) =>
    child.once("message", (m) => resolve(m as { latencies: number[]; failures: number })),
  );
  return { stop: () => child.send({ stop: true }), result };
}

async function probeChild(url: string): Promise<void> {
  const stop = new AbortController();
  process.once("message", () => stop.abort());
  const answer = await probe(url, stop.signal);
  process.send!(answer, undefined, {}, () => process.exit(0));
}

if (process.argv[2] === "--serve-favor") await serveFavor(process.argv[3]);
else if (process.argv[2] === "--probe") await probeChild(process.argv[3]);
else await main();
