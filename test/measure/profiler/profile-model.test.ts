import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeviceDescription } from "../../../src/measure/device/index.js";
import type { ProfileMetricInput } from "../../../src/measure/profiler/index.js";
import {
  cudaAvailability,
  defaultThreads,
  profileMetric,
  profileModel,
} from "../../../src/measure/profiler/index.js";
import type {
  LatencyMeasurement,
  MemoryMeasurement,
  OperatorsMeasurement,
  ProfileFailure,
  ProfileOutcome,
  ProfileResult,
  ThroughputMeasurement,
} from "../../../src/measure/profiler/profile.types.js";
import { tinyConvGraph, tinyMlpGraph, unsupportedOpGraph } from "./fixtures/tiny-graph.js";

// Short loops: these tests check behaviour and provenance, never speed.
const quick: ProfileMetricInput["settings"] = {
  latency: { warmupRuns: 2, minRuns: 20, minDurationMs: 50, maxDurationMs: 5_000 },
  throughput: {
    search: { warmupRuns: 1, minRuns: 2, minDurationMs: 10, maxDurationMs: 2_000 },
    final: { warmupRuns: 1, minRuns: 5, minDurationMs: 50, maxDurationMs: 5_000 },
    maxBatchSize: 8,
  },
  operators: { warmupRuns: 2, runs: 5, top: 3 },
};

const ORPHAN_PARENT = fileURLToPath(new URL("./fixtures/orphan-parent.ts", import.meta.url));

/** True while a process exists (and is not a zombie of ours). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return true;
  }
}

let dir: string;
let mlpPath: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "favor-profiler-test-"));
  mlpPath = path.join(dir, "mlp.onnx");
  await writeFile(mlpPath, tinyMlpGraph({ width: 32 }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function ok<T>(outcome: ProfileOutcome): ProfileResult & { measurement: T } {
  if (!outcome.ok) throw new Error(`expected a result, got ${outcome.kind}: ${outcome.message}`);
  return outcome as ProfileResult & { measurement: T };
}

function failed(outcome: ProfileOutcome): ProfileFailure {
  if (outcome.ok) throw new Error(`expected a failure, got a ${outcome.metric} result`);
  return outcome;
}

describe("profileMetric", () => {
  it("measures latency at batch 1 under the stop rule, with full provenance", async () => {
    const r = ok<LatencyMeasurement>(
      await profileMetric({ graph: { path: mlpPath }, metric: "latency", threads: 1, settings: quick }),
    );
    const m = r.measurement;
    expect(m.batchSize).toBe(1);
    expect(m.valid).toBe(true);
    expect(m.samplesMs.length).toBeGreaterThanOrEqual(20);
    expect(m.summaryMs.count).toBe(m.samplesMs.length);
    expect(m.summaryMs.p50).toBeLessThanOrEqual(m.summaryMs.p99);
    const p = r.provenance;
    expect(p).toMatchObject({
      provider: "cpu",
      requestedProvider: "cpu",
      onnxruntimeVersion: "1.30.0",
      intraOpThreads: 1,
      interOpThreads: 1,
      graphOptimizationLevel: "all",
      precision: "fp32",
      batchSize: 1,
      warmupRuns: 2,
      iterations: m.samplesMs.length,
    });
    expect(p.device.id).toMatch(/^cpu-[0-9a-f]{16}$/);
    expect(p.device.runtime.onnxruntime).toBe("1.30.0");
    expect(p.graph).toMatchObject({
      path: mlpPath,
      inputs: [{ name: "x", type: "float32", shape: ["batch", 32] }],
    });
    expect(p.graph.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.durationMs).toBeGreaterThanOrEqual(50);
    expect(p.spread?.ci95Ms).not.toBeNull();
    expect(Date.parse(p.finishedAt)).toBeGreaterThanOrEqual(Date.parse(p.startedAt));
  });

  it("searches the batch for throughput and records every candidate", async () => {
    const progress: string[] = [];
    const r = ok<ThroughputMeasurement>(
      await profileMetric({
        graph: { bytes: tinyConvGraph() },
        metric: "throughput",
        threads: 1,
        settings: quick,
        onProgress: (n) => progress.push(`${n.metric}:${n.stage}`),
      }),
    );
    const m = r.measurement;
    expect(m.search.trials.map((t) => t.batchSize)).toEqual([1, 2, 4, 8].slice(0, m.search.trials.length));
    expect(m.search.trials.map((t) => t.batchSize)).toContain(m.batchSize);
    expect(m.search.maxBatchSize).toBe(8);
    expect(m.imagesPerSecond).toBeGreaterThan(0);
    expect(m.imagesPerSecondCi!.low).toBeLessThanOrEqual(m.imagesPerSecondCi!.high);
    expect(r.provenance.batchSize).toBe(m.batchSize);
    expect(r.provenance.graph.path).toBeNull();
    expect(progress).toContain("throughput:loaded");
    expect(progress).toContain("throughput:final");
  });

  it("measures memory at a batch size above the loaded baseline", async () => {
    const r = ok<MemoryMeasurement>(
      await profileMetric({
        graph: { bytes: tinyConvGraph(32) },
        metric: "memory",
        batchSize: 16,
        threads: 1,
        settings: quick,
      }),
    );
    const m = r.measurement;
    expect(m.batchSize).toBe(16);
    expect(["vmhwm-reset", "vmhwm-since-start"]).toContain(m.method);
    expect(m.peakBytes).toBeGreaterThanOrEqual(m.loadedBytes);
    expect(m.bytes).toBe(m.peakBytes - m.loadedBytes);
    // The input alone is 16·3·32·32 float32 values.
    expect(m.bytes).toBeGreaterThanOrEqual(16 * 3 * 32 * 32 * 4);
  });

  it("breaks the time down by operator from onnxruntime's trace", async () => {
    const r = ok<OperatorsMeasurement>(
      await profileMetric({
        graph: { bytes: tinyConvGraph() },
        metric: "operators",
        threads: 1,
        settings: quick,
      }),
    );
    const m = r.measurement;
    expect(m.runs).toBe(5);
    expect(m.operators.length).toBeGreaterThan(0);
    expect(m.operators.length).toBeLessThanOrEqual(4);
    expect(m.operators.reduce((s, o) => s + o.share, 0)).toBeCloseTo(1, 6);
    expect(m.operators.map((o) => o.opType).join(",")).toMatch(/Conv/);
    expect(Object.keys(m.providerShares)).toEqual(["CPUExecutionProvider"]);
  });

  it("names the unsupported operator and its node", async () => {
    const f = failed(
      await profileMetric({ graph: { bytes: unsupportedOpGraph() }, metric: "latency", settings: quick }),
    );
    expect(f.kind).toBe("unsupported-op");
    expect(f.details).toMatchObject({ op: "Frobnicate" });
    expect(f.message).toMatch(/unsupported operator .*Frobnicate/);
    expect(f.device?.kind).toBe("cpu");
  });

  it("reports a graph that is not ONNX", async () => {
    const f = failed(
      await profileMetric({ graph: { bytes: new Uint8Array([1, 2, 3, 4, 5]) }, metric: "latency" }),
    );
    expect(f.kind).toBe("invalid-graph");
    expect(f.message).toMatch(/protobuf parsing failed/i);
  });

  it("reports bad requests by name without starting a child", async () => {
    const missing = failed(
      await profileMetric({ graph: { path: path.join(dir, "nope.onnx") }, metric: "latency" }),
    );
    expect(missing).toMatchObject({
      kind: "invalid-request",
      message: `graph file ${path.join(dir, "nope.onnx")} does not exist`,
    });
    const threads = failed(await profileMetric({ graph: { path: mlpPath }, metric: "latency", threads: 0 }));
    expect(threads.message).toBe("threads must be a positive integer, got 0");
    const settings = failed(
      await profileMetric({
        graph: { path: mlpPath },
        metric: "latency",
        settings: { latency: { minRuns: -1 } },
      }),
    );
    expect(settings.message).toMatch(/latency.minRuns/);
    const level = failed(
      await profileMetric({
        graph: { path: mlpPath },
        metric: "latency",
        graphOptimizationLevel: "max" as "all",
      }),
    );
    expect(level.message).toMatch(/unknown graphOptimizationLevel "max"/);
  });

  it("reports input shapes it cannot resolve, and uses given ones", async () => {
    const fixed = failed(
      await profileMetric({
        graph: { bytes: tinyMlpGraph({ fixedBatch: 1 }) },
        metric: "memory",
        batchSize: 4,
        settings: quick,
      }),
    );
    expect(fixed).toMatchObject({
      kind: "invalid-request",
      message: "input x has a fixed batch dimension 1; cannot run batch size 4",
    });
    const symbolic = { bytes: tinyMlpGraph({ symbolicWidth: true }) };
    const unnamed = failed(await profileMetric({ graph: symbolic, metric: "latency", settings: quick }));
    expect(unnamed.message).toMatch(/symbolic dimension 1 \(features\); give its size in inputShapes.x/);
    const named = await profileMetric({
      graph: symbolic,
      metric: "latency",
      settings: quick,
      inputShapes: { x: [1, 16] },
    });
    expect(ok<LatencyMeasurement>(named).provenance.graph.inputs[0].shape).toEqual(["batch", "features"]);
  });

  it("refuses cuda where it cannot run, and auto records why it ran cpu", async () => {
    const cuda = cudaAvailability();
    if (cuda.problem === null) return; // A CUDA machine: nothing unavailable to test here.
    const f = failed(
      await profileMetric({ graph: { path: mlpPath }, metric: "latency", provider: "cuda", settings: quick }),
    );
    expect(f.kind).toBe("provider-unavailable");
    expect(f.message).toContain(cuda.problem);
    const auto = ok<LatencyMeasurement>(
      await profileMetric({ graph: { path: mlpPath }, metric: "latency", provider: "auto", settings: quick }),
    );
    expect(auto.provenance).toMatchObject({ provider: "cpu", requestedProvider: "auto" });
    expect(auto.provenance.providerReason).toContain("cuda cannot run");
  });
});

describe("profileMetric with a failing child", () => {
  const faulty = (
    fault: ProfileMetricInput["fault"],
    extra: Partial<ProfileMetricInput> = {},
  ): ProfileMetricInput => ({
    graph: { path: mlpPath },
    metric: "latency",
    settings: quick,
    fault,
    childEnv: { FAVOR_PROFILER_FAULTS: "1" },
    ...extra,
  });

  it("reports a child that aborts as a crash with its signal, and the parent lives on", async () => {
    const f = failed(await profileMetric(faulty("abort")));
    expect(f).toMatchObject({ kind: "crash", details: { signal: "SIGABRT" } });
    expect(f.message).toMatch(/died without a result \(signal SIGABRT\)/);
  });

  it("reports a child that exits early as a crash with its exit code", async () => {
    const f = failed(await profileMetric(faulty("exit")));
    expect(f).toMatchObject({ kind: "crash", details: { exitCode: 3, signal: null } });
  });

  it("reports an uncaught error in the child as a crash with its stderr", async () => {
    const f = failed(await profileMetric(faulty("throw")));
    expect(f.kind).toBe("crash");
    expect(f.details.stderrTail).toMatch(/injected fault/);
  });

  it("kills a hanging child at the time budget", async () => {
    const f = failed(await profileMetric(faulty("hang", { budgets: { timeoutMs: 1_500 } })));
    expect(f).toMatchObject({ kind: "timeout", details: { signal: "SIGKILL", timeoutMs: 1_500 } });
  });

  it("kills a child that outgrows its memory budget", async () => {
    const f = failed(
      await profileMetric(faulty("allocate", { budgets: { memoryBytes: 400 * 2 ** 20, timeoutMs: 30_000 } })),
    );
    expect(f.kind).toBe("oom");
    expect(f.details.residentBytes).toBeGreaterThan(400 * 2 ** 20);
    expect(f.message).toMatch(/over its budget of 400 MiB/);
  });

  it("ignores fault requests unless the child's environment allows them", async () => {
    const r = await profileMetric({ ...faulty("abort"), childEnv: {} });
    expect(r.ok).toBe(true);
  });

  it("a child whose parent was killed ends itself, even while busy", async () => {
    const require = createRequire(import.meta.url);
    const parent = spawn(
      process.execPath,
      ["--import", pathToFileURL(require.resolve("tsx")).href, ORPHAN_PARENT, path.join(dir, "orphan.onnx")],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = "";
      parent.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /child (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.on("exit", () => reject(new Error(`the parent exited early: ${out}`)));
    });
    expect(alive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    const deadline = Date.now() + 15_000;
    while (alive(childPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(childPid)).toBe(false);
  });

  it("kills the child when the caller aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const f = failed(await profileMetric(faulty("hang", { signal: controller.signal })));
    expect(f.kind).toBe("cancelled");
  });
});

describe("profileModel", () => {
  it("measures every requested metric, one child each, memory at each batch size", async () => {
    const outcomes = await profileModel({
      graph: { bytes: tinyConvGraph() },
      metrics: ["latency", "memory"],
      memoryBatchSizes: [1, 4],
      threads: 1,
      settings: quick,
    });
    expect(outcomes.map((o) => [o.metric, o.ok, o.ok ? o.provenance.batchSize : null])).toEqual([
      ["latency", true, 1],
      ["memory", true, 1],
      ["memory", true, 4],
    ]);
    // The temporary graph file of the bytes is gone.
    expect(outcomes.every((o) => o.ok && !existsSync(o.provenance.graph.path ?? "/nonexistent"))).toBe(true);
  });

  it("rejects an unknown metric name", async () => {
    await expect(profileModel({ graph: { path: mlpPath }, metrics: ["speed" as "latency"] })).rejects.toThrow(
      'unknown metric "speed"; use latency, throughput, memory, operators',
    );
  });

  it("defaults to one intra-op thread per physical core, within the usable CPUs", () => {
    const cpu = { physicalCores: 8, availableCores: 16 };
    expect(defaultThreads({ cpu } as DeviceDescription)).toBe(8);
    expect(defaultThreads({ cpu: { physicalCores: 8, availableCores: 2 } } as DeviceDescription)).toBe(2);
    expect(defaultThreads({ cpu: { physicalCores: null, availableCores: 4 } } as DeviceDescription)).toBe(4);
  });

  it("does not rerun a graph-wide failure for every metric", async () => {
    const started = Date.now();
    const outcomes = await profileModel({ graph: { bytes: unsupportedOpGraph() }, settings: quick });
    expect(outcomes).toHaveLength(7);
    expect(outcomes.every((o) => !o.ok && o.kind === "unsupported-op")).toBe(true);
    expect(failed(outcomes[6]).message).toMatch(/^not run: an earlier measurement of this graph failed/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
