import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type FavorDatabase, openDatabase, queryRows, sql } from "../../src/db/client.js";
import { createScratchDatabase, type ScratchDatabase } from "../helpers/test-database.js";
import { tinyConvGraph } from "../measure/profiler/fixtures/tiny-graph.js";
import { QUICK_SETTINGS_JSON } from "./quick-settings.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const TOKEN = "replica-token";
const JOBS = 20;
const RESOLUTION = 96;
/** Every fifth job also times a latency in a profiler child (quick settings); the others count params only. */
const metricsOf = (job: number) => (job % 5 === 0 ? ["params", "latencyP50Ms"] : ["params"]);
const CELLS = Array.from({ length: JOBS }, (_, i) => metricsOf(i).length).reduce((x, y) => x + y, 0);

/**
 * Each job measures a different catalogue model from a user's .onnx file (a small conv net). Building a zoo graph
 * takes seconds and a profiler child about one on an idle machine (several on a busy one); the queue shared by
 * processes, not the model, is what is under test here.
 */
const ONNX_DIR = mkdtempSync(join(tmpdir(), "favor-replicas-"));
writeFileSync(join(ONNX_DIR, "tiny.onnx"), tinyConvGraph(RESOLUTION));
afterAll(() => rmSync(ONNX_DIR, { recursive: true, force: true }));

/** A Favor process (API or worker) started as `npm start` / `npm run worker` would, with its JSON log lines. */
interface Proc {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, any>>;
  output: string;
}

function startProcess(script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", LOADER, script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: Proc = { child, lines: [], output: "" };
  let pending = "";
  child.stdout!.on("data", (data) => {
    proc.output += data;
    pending += data;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const part of parts) if (part.startsWith("{")) proc.lines.push(JSON.parse(part));
  });
  child.stderr!.on("data", (data) => (proc.output += data));
  return proc;
}

async function waitFor<T>(
  what: string,
  procs: readonly Proc[],
  check: () => T | undefined | Promise<T | undefined>,
) {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    const dead = procs.find((p) => p.child.exitCode !== null);
    if (dead) throw new Error(`${what}: a process exited:\n${dead.output}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Favor as compose.yaml deploys it: two API replicas and two measurement workers, four real processes over one
 * PostgreSQL. PostgreSQL only (set TEST_DATABASE_URL): PGlite belongs to one process.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)("two API replicas and two workers on one PostgreSQL", () => {
  let scratch: ScratchDatabase;
  let database: FavorDatabase;
  let names: string[] = [];
  const procs: Proc[] = [];
  const apis: string[] = [];

  const graphql = async (api: string, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(`${api}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return { data: body.data, cache: response.headers.get("x-favor-cache") };
  };
  /** The first model's latency at RESOLUTION on `device` as `api` serves it (every resolution is asked for: 96 is known only once a figure there exists). */
  const figureOn = async (api: string, device: string) => {
    const { data, cache } = await graphql(
      api,
      `query($d: ID, $name: String) { models(device: $d, filter: { name: $name }) {
         edges { node { resolution metrics(keys: ["latencyP50Ms"]) { value } } } } }`,
      { d: device, name: names[0] },
    );
    const found = data.models.edges.find((e: any) => e.node.resolution === RESOLUTION);
    return { value: (found?.node.metrics[0]?.value as number | undefined) ?? null, cache };
  };
  const enqueue = (api: string, i: number) =>
    graphql(api, `mutation($input: MeasureInput!) { measure(input: $input) { id device { id } } }`, {
      input: {
        models: [names[i]],
        resolutions: [RESOLUTION],
        metrics: metricsOf(i),
        provider: "CPU",
        onnxPath: "tiny.onnx",
      },
    }).then((r) => r.data.measure as { id: string; device: { id: string } });

  beforeAll(async () => {
    scratch = await createScratchDatabase("postgres");
    // Migrated and seeded once here; the processes find nothing to do (and would serialise on a lock if they did).
    database = await openDatabase({ databaseUrl: scratch.databaseUrl!, dataDir: scratch.dataDir });
    names = (
      await queryRows<{ name: string }>(database.db, sql`SELECT name FROM models ORDER BY name LIMIT ${JOBS}`)
    ).map((r) => r.name);
    const env = {
      DATABASE_URL: scratch.databaseUrl!,
      FAVOR_ONNX_DIR: ONNX_DIR,
      FAVOR_MAX_ACTIVE_JOBS: String(JOBS),
      PORT: "0",
      FAVOR_WORKER: "0",
      FAVOR_TOKENS: TOKEN,
    };
    const replicas = [startProcess("src/main.ts", env), startProcess("src/main.ts", env)];
    procs.push(...replicas);
    for (const api of replicas) {
      const port = await waitFor("API start", [api], () => api.lines.find((l) => l.port !== undefined)?.port);
      apis.push(`http://127.0.0.1:${port}`);
    }
  });
  afterAll(async () => {
    for (const proc of procs) {
      if (proc.child.exitCode !== null) continue;
      const exited = new Promise((resolve) => proc.child.once("exit", resolve));
      proc.child.kill("SIGTERM");
      await exited;
    }
    await database?.close();
    await scratch?.drop();
  });

  it("measures 20 jobs, every cell once, and each replica serves what the other wrote on its next query", {
    timeout: 120_000,
  }, async () => {
    const [a, b] = apis;
    // The first job, through A; B answers the figure's query twice (the second from its response cache): none yet.
    const first = await enqueue(a, 0);
    const device = first.device.id;
    expect(await figureOn(b, device)).toEqual({ value: null, cache: "miss" });
    expect(await figureOn(b, device)).toEqual({ value: null, cache: "hit" });

    // The other 19 through A and B in turn, then two workers compete for them.
    const jobs = [first];
    for (let i = 1; i < JOBS; i++) jobs.push(await enqueue(i % 2 === 0 ? a : b, i));
    const workerEnv = {
      DATABASE_URL: scratch.databaseUrl!,
      FAVOR_MEASURE_SETTINGS: QUICK_SETTINGS_JSON,
      FAVOR_MEASURE_THREADS: "1",
      FAVOR_WORKER_POLL_MS: "100",
      FAVOR_WORKER_CUDA: "0",
    };
    const workers = [startProcess("src/worker.ts", workerEnv), startProcess("src/worker.ts", workerEnv)];
    procs.push(...workers);

    // Each job's status read through the replica that did not enqueue it.
    const JOB = `query($id: ID!) { measurementJob(id: $id) { status claims progress { total done skipped failed } } }`;
    for (const [i, job] of jobs.entries()) {
      const other = i % 2 === 0 ? b : a;
      const ended = await waitFor(`job ${job.id}`, procs, async () => {
        const { data } = await graphql(other, JOB, { id: job.id });
        return ["QUEUED", "RUNNING"].includes(data.measurementJob.status) ? undefined : data.measurementJob;
      });
      expect(ended, `job ${job.id}`).toEqual({
        status: "SUCCEEDED",
        claims: 1,
        progress: { total: metricsOf(i).length, done: metricsOf(i).length, skipped: 0, failed: 0 },
      });
    }

    // Every cell measured exactly once: one figure per job cell, written by its own job, in one attempt.
    const rows = await queryRows<{
      job: number;
      cell: number;
      attempts: number;
      figureJob: string;
      worker: string;
    }>(
      database.db,
      sql`SELECT jc.job_id::int AS job, jc.cell_id AS cell, jc.attempts, c.provenance->>'job' AS "figureJob",
                 c.provenance->>'worker' AS worker
          FROM measurement_job_cells jc JOIN cells c ON c.id = jc.cell_id ORDER BY jc.job_id`,
    );
    expect(rows).toHaveLength(CELLS);
    expect(new Set(rows.map((r) => r.cell)).size).toBe(CELLS);
    for (const row of rows) {
      expect(row.attempts).toBe(1);
      expect(Number(row.figureJob)).toBe(row.job);
    }
    const [{ measured }] = await queryRows<{ measured: number }>(
      database.db,
      sql`SELECT count(*)::int AS measured FROM cells WHERE source = 'measured'`,
    );
    expect(measured).toBe(CELLS);
    // Both workers served the queue (each logs the jobs it finished).
    const finished = workers.map((w) => w.lines.filter((l) => l.outcome === "succeeded").length);
    expect(finished.reduce((x, y) => x + y, 0)).toBe(JOBS);

    // B's next query of the figure (cached when it had none) now serves it, as A does.
    const onB = await figureOn(b, device);
    expect(onB.cache).toBe("miss");
    expect(onB.value).toBeGreaterThan(0);
    expect((await figureOn(a, device)).value).toBe(onB.value);
  });
});
