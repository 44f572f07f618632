/**
 * The measuring child process: reads one ChildRequest from stdin, creates one onnxruntime session, performs
 * one measurement and prints one result line (see child-protocol.ts). Anything it cannot report (a native
 * crash, the kernel's OOM killer, a hang) the parent sees as the process's exit or its own timeout.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";

import type { InferenceSession as OrtSession, Tensor } from "onnxruntime-node";
import { InferenceSession } from "onnxruntime-node";
import { onnxruntimeVersion } from "../device/device-description.js";
import { listGpuProcessMemory, readGpuUsedBytes } from "../device/nvidia-smi.js";
import type { BatchTrialOutcome } from "./batch-search.js";
import { searchBatchSize } from "./batch-search.js";
import type { ChildProgress, ChildReply, ChildRequest, ChildSessionInfo } from "./child-protocol.js";
import { PARENT_PID_ENV, PROGRESS_MARKER, RESULT_MARKER } from "./child-protocol.js";
import {
  effectiveStopRule,
  implausibleOutputs,
  memoryAboveLoaded,
  readGpuMemory,
  webgpuOptions,
  webgpuSessionOptions,
} from "./gpu-protocol.js";
import type { StopRule } from "./measure-settings.js";
import { parseOperatorTrace } from "./operator-trace.js";
import { classifyOrtError } from "./ort-errors.js";
import { readResidentMemory, resetPeakResidentMemory } from "./process-memory.js";
import type {
  FailureKind,
  LatencyMeasurement,
  Measurement,
  MemoryMeasurement,
  MemoryMethod,
  OperatorsMeasurement,
  ThroughputMeasurement,
} from "./profile.types.js";
import type { InputSignature } from "./session-feeds.js";
import { InputShapeError, inputSignatures, randomFeeds, resolveInputShapes } from "./session-feeds.js";
import type { StabilitySettings } from "./stability.js";
import { summarize } from "./statistics.js";
import { hrClock, timeRuns } from "./timing-loop.js";

// Started at the end of the module, after every declaration (classes are not hoisted).
async function main(): Promise<void> {
  watchParent();
  let request: ChildRequest;
  try {
    request = JSON.parse(await readStdin()) as ChildRequest;
  } catch (error) {
    return reply({
      ok: false,
      kind: "invalid-request",
      message: `unreadable request: ${message(error)}`,
      details: {},
    });
  }
  if (request.fault !== null && process.env.FAVOR_PROFILER_FAULTS === "1") injectFault(request.fault);
  try {
    const { measurement, session } = await measure(request);
    reply({ ok: true, measurement, session });
  } catch (error) {
    reply(failure(error));
  }
}

async function measure(
  request: ChildRequest,
): Promise<{ measurement: Measurement; session: ChildSessionInfo }> {
  const gpu = request.provider !== "cpu";
  const startBytes = gpu ? (gpuMemory(request.gpuIndex)?.bytes ?? 0) : (readResidentMemory()?.rssBytes ?? 0);
  const t0 = performance.now();
  const session = await InferenceSession.create(request.graphPath, sessionOptions(request));
  const sessionLoadMs = performance.now() - t0;
  progress({ stage: "loaded" });
  const inputs = inputSignatures(session);
  const info: ChildSessionInfo = { onnxruntimeVersion: onnxruntimeVersion(), sessionLoadMs, inputs };
  const feedsAt = (batchSize: number): Record<string, Tensor> =>
    randomFeeds(inputs, resolveInputShapes(inputs, batchSize, request.inputShapes), request.settings.seed);
  const task = request.task;
  let measurement: Measurement;
  switch (task.metric) {
    case "latency":
      measurement = await measureLatency(
        session,
        feedsAt(task.batchSize),
        task.batchSize,
        effectiveStopRule(request.settings.latency, request.provider, request.settings.webgpu),
        request.settings.stability,
        request.provider,
      );
      break;
    case "throughput":
      measurement = await measureThroughput(
        session,
        feedsAt,
        request,
        task.maxBatchSize,
        task.memoryBudgetBytes,
      );
      break;
    case "memory":
      measurement = await measureMemory(session, inputs, request, task.batchSize, startBytes);
      break;
    case "operators":
      measurement = await measureOperators(
        session,
        feedsAt(request.settings.operators.batchSize),
        request,
        task.profileDir,
      );
      break;
  }
  await session.release();
  return { measurement, session: info };
}

function sessionOptions(request: ChildRequest): OrtSession.SessionOptions {
  const providers: Pick<OrtSession.SessionOptions, "executionProviders" | "extra"> =
    request.provider === "webgpu"
      ? webgpuSessionOptions(webgpuOptions(request.settings.webgpu), request.gpuIndex)
      : {
          executionProviders:
            request.provider === "cuda" ? [{ name: "cuda", deviceId: request.gpuIndex }] : ["cpu"],
        };
  return {
    ...providers,
    intraOpNumThreads: request.intraOpThreads,
    interOpNumThreads: request.interOpThreads,
    graphOptimizationLevel: request.graphOptimizationLevel,
    executionMode: "sequential",
    logSeverityLevel: 3,
    ...(request.task.metric === "operators"
      ? { enableProfiling: true, profileFilePrefix: path.join(request.task.profileDir, "trace") }
      : {}),
  };
}

async function measureLatency(
  session: OrtSession,
  feeds: Record<string, Tensor>,
  batchSize: number,
  rule: StopRule,
  stability: StabilitySettings,
  provider: ChildRequest["provider"],
): Promise<LatencyMeasurement> {
  const record = await timeRuns(() => session.run(feeds), rule, hrClock, { settings: stability });
  await checkOutputs(session, feeds, provider, batchSize);
  return {
    metric: "latency",
    batchSize,
    summaryMs: summarize(record.samplesMs),
    samplesMs: record.samplesMs,
    wallMs: record.wallMs,
    stoppedBy: record.stoppedBy,
    valid: record.valid,
    reasons: record.reasons,
    validity: record.validity!,
  };
}

async function measureThroughput(
  session: OrtSession,
  feedsAt: (batchSize: number) => Record<string, Tensor>,
  request: ChildRequest,
  maxBatchSize: number,
  memoryBudgetBytes: number | null,
): Promise<ThroughputMeasurement> {
  const settings = request.settings.throughput;
  const search = effectiveStopRule(settings.search, request.provider, request.settings.webgpu);
  const final = effectiveStopRule(settings.final, request.provider, request.settings.webgpu);
  const gpu = request.provider !== "cpu";
  const loaded = gpu ? (gpuMemory(request.gpuIndex)?.bytes ?? 0) : (readResidentMemory()?.rssBytes ?? 0);
  const trial = async (batchSize: number): Promise<BatchTrialOutcome> => {
    try {
      progress({ stage: "search", batchSize });
      if (!gpu) resetPeakResidentMemory();
      const feeds = feedsAt(batchSize);
      const record = await timeRuns(() => session.run(feeds), search);
      const bad = request.provider === "webgpu" ? implausibleOutputs(await session.run(feeds)) : null;
      // A batch the GPU cannot hold ends the search like an allocation failure; the best batch so far stands.
      if (bad !== null) return { ok: false, reason: "out-of-memory", message: `batch ${batchSize}: ${bad}` };
      const peak = gpu ? gpuMemory(request.gpuIndex)?.bytes : readResidentMemory()?.peakBytes;
      const imagesPerSecond = (batchSize * record.samplesMs.length * 1000) / sum(record.samplesMs);
      progress({ stage: "search", batchSize, imagesPerSecond });
      return {
        ok: true,
        trial: {
          batchSize,
          imagesPerSecond,
          peakBytes: peak === undefined ? null : Math.max(0, peak - loaded),
        },
      };
    } catch (error) {
      if (!(error instanceof InputShapeError) && classifyOrtError(message(error)).kind === "oom") {
        return { ok: false, reason: "out-of-memory", message: message(error) };
      }
      throw error;
    }
  };
  // The budget covers the whole process; the search predicts the peak above the loaded baseline.
  const budgetAboveLoaded = memoryBudgetBytes === null ? null : Math.max(0, memoryBudgetBytes - loaded);
  const found = await searchBatchSize(trial, {
    maxBatchSize,
    batchSizes: settings.batchSizes,
    minGain: settings.minGain,
    patience: settings.patience,
    memoryBudgetBytes: budgetAboveLoaded,
    searchBudgetMs: settings.searchBudgetMs,
  });
  if (found.best === null) {
    throw new OutOfMemoryError(`batch size 1 ran out of memory: ${found.outOfMemory ?? "unknown error"}`);
  }
  const batchSize = found.best.batchSize;
  progress({ stage: "final", batchSize });
  const feeds = feedsAt(batchSize);
  const record = await timeRuns(() => session.run(feeds), final, hrClock, {
    settings: request.settings.stability,
  });
  await checkOutputs(session, feeds, request.provider, batchSize);
  const summaryMs = summarize(record.samplesMs);
  const perImage = (ms: number): number => (batchSize * 1000) / ms;
  return {
    metric: "throughput",
    imagesPerSecond: (batchSize * record.samplesMs.length * 1000) / sum(record.samplesMs),
    batchSize,
    summaryMs,
    imagesPerSecondCi:
      summaryMs.ci === null ? null : { low: perImage(summaryMs.ci.high), high: perImage(summaryMs.ci.low) },
    wallMs: record.wallMs,
    stoppedBy: record.stoppedBy,
    valid: record.valid,
    reasons: record.reasons,
    validity: record.validity!,
    search: {
      trials: found.trials,
      stoppedBy: found.stoppedBy,
      outOfMemory: found.outOfMemory,
      maxBatchSize,
      memoryBudgetBytes,
    },
  };
}

async function measureMemory(
  session: OrtSession,
  inputs: ReadonlyArray<InputSignature>,
  request: ChildRequest,
  batchSize: number,
  startBytes: number,
): Promise<MemoryMeasurement> {
  const runs = request.settings.memory.runs;
  const shapes = resolveInputShapes(inputs, batchSize, request.inputShapes);
  if (request.provider !== "cpu") {
    const loaded = gpuMemory(request.gpuIndex);
    if (loaded === null)
      throw new Error(
        "cannot read GPU memory: nvidia-smi is missing or fails, so no inference memory figure",
      );
    const feeds = randomFeeds(inputs, shapes, request.settings.seed);
    for (let i = 0; i < runs; i++) await session.run(feeds);
    const after = gpuMemory(request.gpuIndex);
    if (after === null)
      throw new Error("cannot read GPU memory after the runs: nvidia-smi stopped answering");
    return {
      metric: "memory",
      batchSize,
      bytes: memoryAboveLoaded(loaded, after),
      method: after.method,
      startBytes,
      loadedBytes: loaded.bytes,
      peakBytes: after.bytes,
      runs,
    };
  }
  const loaded = readResidentMemory();
  if (loaded === null)
    throw new Error("cannot read resident memory: /proc/self/status is unavailable on this system");
  const method: MemoryMethod = resetPeakResidentMemory() ? "vmhwm-reset" : "vmhwm-since-start";
  // Inputs are created after the baseline, so they count (as they do on the GPU in the paper's figures).
  const feeds = randomFeeds(inputs, shapes, request.settings.seed);
  for (let i = 0; i < runs; i++) await session.run(feeds);
  const peak = readResidentMemory() as NonNullable<ReturnType<typeof readResidentMemory>>;
  return {
    metric: "memory",
    batchSize,
    bytes: Math.max(0, peak.peakBytes - loaded.rssBytes),
    method,
    startBytes,
    loadedBytes: loaded.rssBytes,
    peakBytes: peak.peakBytes,
    runs,
  };
}

async function measureOperators(
  session: OrtSession,
  feeds: Record<string, Tensor>,
  request: ChildRequest,
  profileDir: string,
): Promise<OperatorsMeasurement> {
  const settings = request.settings.operators;
  for (let i = 0; i < settings.warmupRuns + settings.runs; i++) await session.run(feeds);
  session.endProfiling();
  const traces = readdirSync(profileDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => path.join(profileDir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (traces.length === 0) throw new Error(`onnxruntime wrote no profiling trace into ${profileDir}`);
  const breakdown = parseOperatorTrace(
    JSON.parse(readFileSync(traces[0], "utf8")),
    settings.warmupRuns,
    settings.top,
  );
  return { metric: "operators", batchSize: settings.batchSize, ...breakdown };
}

/** Device memory of this process (by pid), or of the whole GPU where the pid is not visible; null: unreadable. */
function gpuMemory(gpuIndex: number): { bytes: number; method: MemoryMethod } | null {
  const processes = listGpuProcessMemory();
  return readGpuMemory(
    processes,
    process.pid,
    processes.some((p) => p.pid === process.pid) ? null : readGpuUsedBytes(gpuIndex),
  );
}

class OutOfMemoryError extends Error {}

/** On WebGPU, runs once more and fails the measurement when the outputs cannot be real (see implausibleOutputs). */
async function checkOutputs(
  session: OrtSession,
  feeds: Record<string, Tensor>,
  provider: ChildRequest["provider"],
  batchSize: number,
): Promise<void> {
  if (provider !== "webgpu") return;
  const bad = implausibleOutputs(await session.run(feeds));
  if (bad !== null) throw new Error(`the WebGPU runs at batch ${batchSize} produced no real results: ${bad}`);
}

function failure(error: unknown): ChildReply {
  const text = message(error);
  if (error instanceof InputShapeError)
    return { ok: false, kind: "invalid-request", message: text, details: {} };
  if (error instanceof OutOfMemoryError) return { ok: false, kind: "oom", message: text, details: {} };
  const cls = classifyOrtError(text);
  if (cls.kind === "unsupported-op") {
    const where = cls.node ? ` (node ${cls.node})` : "";
    return {
      ok: false,
      kind: "unsupported-op",
      message: `unsupported operator ${cls.domain ? `${cls.domain}:` : ""}${cls.op}${where}: ${text}`,
      details: { op: cls.op, opDomain: cls.domain, node: cls.node },
    };
  }
  const kind: FailureKind = cls.kind;
  return { ok: false, kind, message: text, details: {} };
}

function reply(body: ChildReply): void {
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(body)}\n`, () => process.exit(0));
}

function progress(note: ChildProgress): void {
  process.stdout.write(`\n${PROGRESS_MARKER}${JSON.stringify(note)}\n`);
}

function injectFault(fault: NonNullable<ChildRequest["fault"]>): void {
  switch (fault) {
    case "abort":
      process.abort();
      break;
    case "exit":
      process.exit(3);
      break;
    case "throw":
      throw new Error("injected fault: uncaught error in the child");
    case "hang":
      // Busy, so not even signals handled in JS could end it; only the parent's SIGKILL does.
      for (;;) Math.sqrt(Math.random());
    case "allocate": {
      const hold: Buffer[] = [];
      for (;;) hold.push(Buffer.alloc(64 * 1024 * 1024, 1));
    }
  }
}

/**
 * Kills this process when the parent is gone, so an orphaned child never keeps measuring. The check runs on
 * a worker thread because the main thread can sit in native code (session.run, or a hang) indefinitely.
 */
function watchParent(): void {
  // The runner passes its pid: under load the parent can die before this line runs, and then process.ppid
  // would already be the new reaper's and the orphan would never notice.
  const parent = Number(process.env[PARENT_PID_ENV]) || process.ppid;
  const source = `const check = () => { if (process.ppid !== ${parent}) process.kill(process.pid, "SIGKILL"); };
check();
setInterval(check, 500);`;
  new Worker(source, { eval: true }).unref();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sum(values: ReadonlyArray<number>): number {
  return values.reduce((a, b) => a + b, 0);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

await main();
