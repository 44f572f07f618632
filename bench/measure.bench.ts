/**
 * npm run bench:measure [-- --model "ViT-Ti/16" --resolution 224 --threads N --seconds 5 --rounds 3]
 *
 * Prints three figures for the profiler (src/measure/profiler) on this machine's CPU:
 * 1. fill time: wall time to fill all inference cells of the model (latency, throughput with its batch
 *    search, memory at batch 1/32/64/128, operator breakdown) with the default settings (target ≤ 60 s);
 * 2. ratio: the profiler's throughput against a bare `session.run` loop in this process, same graph, batch
 *    and threads, the same seeded input, alternating bare/profiler for --rounds rounds; ratio of the medians
 *    (target ≥ 97%), with the bare loop's own spread as the noise floor;
 * 3. spread: relative difference of two repeated measurements of the same cell (target ≤ 3%).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { InferenceSession } from "onnxruntime-node";

import { describeDevice } from "../src/measure/device/index.js";
import type { ProfileOutcome, ThroughputMeasurement } from "../src/measure/profiler/index.js";
import {
  DEFAULT_SETTINGS,
  defaultThreads,
  percentile,
  profileMetric,
  profileModel,
  relativeDifference,
} from "../src/measure/profiler/index.js";
import { inputSignatures, randomFeeds, resolveInputShapes } from "../src/measure/profiler/session-feeds.js";
import { buildModel } from "../src/measure/zoo/index.js";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: "ViT-Ti/16" },
    resolution: { type: "string", default: "224" },
    threads: { type: "string" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
  },
});
const resolution = Number(args.resolution);
const device = describeDevice("cpu");
// The profiler's own default (physical cores) unless given.
const threads = args.threads === undefined ? defaultThreads(device) : Number(args.threads);
const loopMs = Number(args.seconds) * 1000;
const rounds = Number(args.rounds);

console.log(
  `device: ${device.name} [${device.id}], ${(device.cpu.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${device.os.distribution ?? device.os.platform}`,
);
console.log(
  `onnxruntime-node ${device.runtime.onnxruntime}, node ${device.runtime.node}, threads ${threads}`,
);

const built = buildModel(args.model, { resolution });
const dir = await mkdtemp(path.join(os.tmpdir(), "favor-bench-"));
const graphPath = path.join(dir, "model.onnx");
await writeFile(graphPath, built.bytes);
console.log(
  `graph: ${built.metadata.name}@${resolution}, ${(built.metadata.parameters / 1e6).toFixed(2)} M parameters, ${(built.bytes.length / 2 ** 20).toFixed(1)} MiB\n`,
);

try {
  // 1. Fill every inference cell with the default settings.
  const t0 = performance.now();
  const cells = await profileModel({ graph: { path: graphPath }, threads });
  const fillS = (performance.now() - t0) / 1000;
  console.log("cells:");
  for (const c of cells) console.log(`  ${describeCell(c)}`);
  const throughputCell = cells.find((c) => c.ok && c.metric === "throughput");
  if (throughputCell === undefined || !throughputCell.ok)
    throw new Error("the throughput cell failed; no ratio can be measured");
  const batch = (throughputCell.measurement as ThroughputMeasurement).batchSize;
  console.log(`fill time: ${fillS.toFixed(1)} s for ${cells.length} cells (target ≤ 60 s)\n`);

  // 2 + 3. Profiler vs bare loop at the chosen batch, alternating; two profiler runs also give the spread.
  const rule = {
    warmupRuns: 3,
    minRuns: 10,
    minDurationMs: loopMs,
    maxRuns: 1_000_000,
    maxDurationMs: loopMs * 4,
  };
  const profiled = (): Promise<ThroughputMeasurement> =>
    profileMetric({
      graph: { path: graphPath },
      metric: "throughput",
      threads,
      settings: { throughput: { batchSizes: [batch], maxBatchSize: batch, final: rule } },
    }).then((o) => {
      if (!o.ok) throw new Error(`profiler failed: ${o.kind}: ${o.message}`);
      return o.measurement as ThroughputMeasurement;
    });
  const bare: number[] = [];
  const prof: ThroughputMeasurement[] = [];
  for (let i = 0; i < rounds; i++) {
    bare.push(await bareLoop(graphPath, batch, threads, rule.warmupRuns, loopMs));
    prof.push(await profiled());
  }
  const profIps = prof.map((m) => m.imagesPerSecond);
  const profWall = prof.map((m) => (m.batchSize * m.summaryMs.count * 1000) / m.wallMs);
  const ratio = median(profIps) / median(bare);
  const ratioWall = median(profWall) / median(bare);
  const bareSpread = (Math.max(...bare) - Math.min(...bare)) / median(bare);
  console.log(
    `throughput at batch ${batch}, ${threads} threads, ≥ ${loopMs / 1000} s per loop, ${rounds} rounds:`,
  );
  console.log(
    `  bare session.run loop: ${bare.map((x) => x.toFixed(1)).join(", ")} images/s (range ${(100 * bareSpread).toFixed(1)}% of the median)`,
  );
  console.log(`  profiler (child):      ${profIps.map((x) => x.toFixed(1)).join(", ")} images/s`);
  console.log(
    `ratio profiler / bare (medians): ${(100 * ratio).toFixed(1)}% (target ≥ 97%); by wall time incl. loop overhead: ${(100 * ratioWall).toFixed(1)}%`,
  );
  const tpSpread = relativeDifference(profIps[0], profIps[1] ?? profIps[0]);
  console.log(`spread of two throughput measurements: ${(100 * tpSpread).toFixed(2)}% (target ≤ 3%)`);

  const latency = async (): Promise<number> => {
    const o = await profileMetric({ graph: { path: graphPath }, metric: "latency", threads });
    if (!o.ok || o.measurement.metric !== "latency")
      throw new Error(`latency failed: ${o.ok ? "" : o.message}`);
    return o.measurement.summaryMs.p50;
  };
  const lat1 = await latency();
  const lat2 = await latency();
  const latSpread = relativeDifference(lat1, lat2);
  console.log(
    `spread of two latency p50 measurements: ${lat1.toFixed(3)} ms vs ${lat2.toFixed(3)} ms → ${(100 * latSpread).toFixed(2)}% (target ≤ 3%)`,
  );

  console.log(
    `\nRESULT ${JSON.stringify({
      device: device.id,
      model: `${built.metadata.name}@${resolution}`,
      threads,
      fillSeconds: round(fillS),
      throughputBatch: batch,
      ratio: round(ratio, 4),
      ratioWall: round(ratioWall, 4),
      bareRange: round(bareSpread, 4),
      throughputSpread: round(tpSpread, 4),
      latencyP50Spread: round(latSpread, 4),
    })}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Returns images/s of a bare loop: one session in this process, warm-up, then runs for at least `ms`. */
async function bareLoop(
  file: string,
  batch: number,
  intraOp: number,
  warmup: number,
  ms: number,
): Promise<number> {
  const session = await InferenceSession.create(file, {
    executionProviders: ["cpu"],
    intraOpNumThreads: intraOp,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  // The same seeded input the profiler's child feeds.
  const inputs = inputSignatures(session);
  const feeds = randomFeeds(inputs, resolveInputShapes(inputs, batch, null), DEFAULT_SETTINGS.seed);
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < ms || runs < 10) {
    await session.run(feeds);
    runs++;
  }
  const elapsed = performance.now() - start;
  await session.release();
  return (batch * runs * 1000) / elapsed;
}

function describeCell(c: ProfileOutcome): string {
  if (!c.ok) return `${c.metric}: FAILED ${c.kind}: ${c.message}`;
  const m = c.measurement;
  const wall = `(${(c.provenance.wallMs / 1000).toFixed(1)} s)`;
  switch (m.metric) {
    case "latency":
      return `latency b1: p50 ${m.summaryMs.p50.toFixed(2)} ms, p90 ${m.summaryMs.p90.toFixed(2)}, p99 ${m.summaryMs.p99.toFixed(2)}, mean ${m.summaryMs.mean.toFixed(2)} ± ${m.summaryMs.stddev.toFixed(2)} over ${m.summaryMs.count} runs ${wall}`;
    case "throughput":
      return `throughput: ${m.imagesPerSecond.toFixed(1)} images/s at batch ${m.batchSize}; search ${m.search.trials.map((t) => `${t.batchSize}:${t.imagesPerSecond.toFixed(0)}`).join(" ")} stopped by ${m.search.stoppedBy} ${wall}`;
    case "memory":
      return `memory b${m.batchSize}: ${(m.bytes / 2 ** 20).toFixed(1)} MiB above the loaded ${(m.loadedBytes / 2 ** 20).toFixed(0)} MiB (${m.method}) ${wall}`;
    case "operators":
      return `operators b${m.batchSize}: ${m.operators
        .slice(0, 5)
        .map((o) => `${o.opType} ${(100 * o.share).toFixed(1)}%`)
        .join(", ")} ${wall}`;
  }
}

function median(xs: ReadonlyArray<number>): number {
  return percentile(xs, 0.5);
}

function round(x: number, digits = 2): number {
  return Number(x.toFixed(digits));
}
