import { readFileSync } from "node:fs";

import * as ort from "onnxruntime-node";

import type { Tensor } from "../../../src/measure/onnx/index.js";
import { analyzeModel, GraphBuilder } from "../../../src/measure/onnx/index.js";
import { describeModel, getModel } from "../../../src/measure/zoo/registry.js";

/**
 * Shared helpers of the data-dependent zoo families' tests (switch, routing, token learner, ToMe, EViT, DynamicViT,
 * Sinkhorn). The batch-1/2 smoke run of every registered graph at its test resolution lives in onnxruntime.test.ts;
 * these files add full-size runs, decisions checked against plain-JS references, and per-run figures.
 */

interface SeedRun {
  sourceModelId: string;
  pretrainResolution: number;
  resolution: number;
  metrics: { params: number; macs: number; flops: number };
}

const RUNS: SeedRun[] = (
  JSON.parse(readFileSync(new URL("../../../data/wtf-benchmark.json", import.meta.url), "utf8")) as {
    runs: SeedRun[];
  }
).runs;

/** Returns the dataset's runs of a model (by source id); fails when there are none. */
export function runsOf(sourceId: string): SeedRun[] {
  const runs = RUNS.filter((r) => r.sourceModelId === sourceId);
  if (runs.length === 0) throw new Error(`no runs of ${sourceId} in data/wtf-benchmark.json`);
  return runs;
}

/** Returns [resolutions, dataset parameter count, built graph's parameter count] for every run of a zoo model. */
export function parameterTable(
  name: string,
): Array<{ pretrainResolution: number; resolution: number; expected: number; built: number }> {
  const model = getModel(name);
  const cache = new Map<string, number>();
  return runsOf(model.sourceId).map((r) => {
    const key = `${r.pretrainResolution}->${r.resolution}`;
    if (!cache.has(key))
      cache.set(
        key,
        describeModel(name, { resolution: r.resolution, pretrainResolution: r.pretrainResolution }).metadata
          .parameters,
      );
    return {
      pretrainResolution: r.pretrainResolution,
      resolution: r.resolution,
      expected: r.metrics.params,
      built: cache.get(key)!,
    };
  });
}

/** Relative differences of the graph's MACs and FLOPs (core analyzer, batch 1) to every run's figures. */
export function computeTable(
  name: string,
): Array<{ resolution: number; macs: number; flops: number; macsDiff: number; flopsDiff: number }> {
  const model = getModel(name);
  const cache = new Map<number, { macs: number; flops: number }>();
  return runsOf(model.sourceId).map((r) => {
    if (!cache.has(r.resolution)) {
      const s = analyzeModel(describeModel(name, { resolution: r.resolution }).graph);
      cache.set(r.resolution, { macs: s.macs, flops: s.flops });
    }
    const { macs, flops } = cache.get(r.resolution)!;
    return {
      resolution: r.resolution,
      macs,
      flops,
      macsDiff: (macs - r.metrics.macs) / r.metrics.macs,
      flopsDiff: (flops - r.metrics.flops) / r.metrics.flops,
    };
  });
}

/** A graph built by hand in a test: its bytes and the names of its extra outputs. */
export interface TestGraph {
  bytes: Uint8Array;
  session: () => Promise<ort.InferenceSession>;
}

/** Builds a graph with `build` (returns the logits or main output) into a fresh builder and serialises it. */
export function buildGraph(build: (b: GraphBuilder) => Tensor, seed = 0): TestGraph {
  const b = new GraphBuilder({ name: "test", seed });
  b.output(build(b), "logits");
  const bytes = b.toBytes();
  return { bytes, session: () => ort.InferenceSession.create(bytes) };
}

/** Returns a deterministic pseudo-random image batch [batch, 3, res, res] (`variant` changes the content). */
export function images(batch: number, res: number, variant = 0): ort.Tensor {
  const data = new Float32Array(batch * 3 * res * res);
  let s = 0x9e3779b9 ^ (variant * 0x85ebca6b);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296) * 4 - 2;
  }
  return new ort.Tensor("float32", data, [batch, 3, res, res]);
}

/** Runs a session on an image batch and returns all outputs. */
export async function run(
  session: ort.InferenceSession,
  input: ort.Tensor,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  return session.run({ pixel_values: input });
}

/** Returns a tensor's data as plain numbers (int64 included). */
export function values(t: ort.Tensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Returns rows of a [.., n] tensor flattened to the last axis. */
export function rows(t: ort.Tensor): number[][] {
  const n = t.dims[t.dims.length - 1];
  const v = values(t);
  return Array.from({ length: v.length / n }, (_, i) => v.slice(i * n, (i + 1) * n));
}

/** Returns the index of the largest entry (first on ties), like ArgMax. */
export function argmax(row: ReadonlyArray<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Returns the indices of the k largest entries, largest first (ties by lower index). */
export function topk(row: ReadonlyArray<number>, k: number): number[] {
  return [...row.keys()].sort((a, b) => row[b] - row[a] || a - b).slice(0, k);
}

/**
 * Builds a registered zoo model at its test resolution and checks onnxruntime runs it at batch 1 and 2
 * with logits [B, numClasses]; returns the logits of image 0 at both batch sizes (they must agree).
 */
export async function smokeRun(
  name: string,
  resolution?: number,
): Promise<{ dims: number[][]; first: number[][]; finite: boolean }> {
  const model = getModel(name);
  const res = resolution ?? model.testResolution ?? 64;
  const b = new GraphBuilder({ name: model.sourceId, seed: 0 });
  b.output(model.build(b, { resolution: res, numClasses: 1000, dtype: "float32", seed: 0 }), "logits");
  const session = await ort.InferenceSession.create(b.toBytes());
  const dims: number[][] = [];
  const first: number[][] = [];
  let finite = true;
  const two = images(2, res, 7);
  const one = new ort.Tensor("float32", (two.data as Float32Array).slice(0, 3 * res * res), [1, 3, res, res]);
  for (const input of [one, two]) {
    const out = (await run(session, input)).logits;
    dims.push([...out.dims]);
    const v = values(out);
    finite &&= v.every(Number.isFinite);
    first.push(v.slice(0, 1000));
  }
  await session.release();
  return { dims, first, finite };
}

/** Returns the largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ReadonlyArray<number>, b: ReadonlyArray<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}
