import { readFileSync } from "node:fs";

import * as ort from "onnxruntime-node";
import { expect } from "vitest";

import type { GraphStats } from "../../../src/measure/onnx/index.js";
import { analyzeModel } from "../../../src/measure/onnx/index.js";
import { buildModel, describeModel, getModel } from "../../../src/measure/zoo/registry.js";

/** Shared helpers of the hierarchical / convolutional zoo families' tests (ResNet, Swin, STViT, FocalNet, CoaT, CvT, EfficientFormerV2, WaveViT). */

interface SeedRun {
  sourceModelId: string;
  resolution: number;
  metrics: { params: number; macs: number };
}

const RUNS: SeedRun[] = (
  JSON.parse(readFileSync(new URL("../../../data/wtf-benchmark.json", import.meta.url), "utf8")) as {
    runs: SeedRun[];
  }
).runs;

/** Returns the dataset's runs of a zoo model; fails when there are none. */
export function runsOf(name: string): SeedRun[] {
  const { sourceId } = getModel(name);
  const runs = RUNS.filter((r) => r.sourceModelId === sourceId);
  if (runs.length === 0) throw new Error(`no runs of ${sourceId} in data/wtf-benchmark.json`);
  return runs;
}

/** Asserts that the built graph's parameter count equals the dataset's for every run of the model. */
export function expectDatasetParameters(name: string): void {
  const built = new Map<number, number>();
  for (const run of runsOf(name)) {
    if (!built.has(run.resolution))
      built.set(run.resolution, describeModel(name, { resolution: run.resolution }).metadata.parameters);
    expect({ name, resolution: run.resolution, params: built.get(run.resolution) }).toEqual({
      name,
      resolution: run.resolution,
      params: run.metrics.params,
    });
  }
}

/** Returns the graph statistics of a model at a resolution (graph built without weights). */
export function statsOf(name: string, resolution: number): GraphStats {
  return analyzeModel(describeModel(name, { resolution }).graph);
}

/**
 * Returns the MACs of a graph as the benchmark's tool (torchprofile's profile_macs) counts them: the analyzer's
 * `torchprofileMacs` (Einsum skipped, BatchNorm one MAC and bilinear Resize four per output element), less the
 * nodes `skip(node)` names, which torchprofile cannot see (e.g. WaveViT's wavelet transforms in autograd
 * Functions). Verified exactly on ResNet-50, EfficientFormerV2-S0 (224 and 382), CoaT-Ti and CvT-13.
 */
export function benchmarkMacs(
  stats: GraphStats,
  skip: (node: GraphStats["nodes"][number]) => boolean = () => false,
): number {
  let total = stats.torchprofileMacs;
  for (const n of stats.nodes) if (skip(n) && n.opType !== "Einsum") total -= n.macs;
  return total;
}

/** Asserts |built − dataset| / dataset ≤ tol for every run's `macs`, with `macs(resolution)` the built figure. */
export function expectDatasetMacs(name: string, macs: (resolution: number) => number, tol: number): void {
  const seen = new Map<number, number>();
  for (const run of runsOf(name)) {
    if (!seen.has(run.resolution)) seen.set(run.resolution, macs(run.resolution));
    const rel = Math.abs((seen.get(run.resolution) as number) - run.metrics.macs) / run.metrics.macs;
    expect(
      rel,
      `${name}@${run.resolution}: built ${seen.get(run.resolution)} vs dataset ${run.metrics.macs}`,
    ).toBeLessThanOrEqual(tol);
  }
}

/** Returns a deterministic pseudo-random image batch [batch, 3, res, res]. */
export function images(batch: number, res: number, offset = 0): Float32Array {
  const data = new Float32Array(batch * 3 * res * res);
  let s = 0x2545f491 + offset;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296) * 4 - 2;
  }
  return data;
}

/**
 * Builds a model with weights, runs it in onnxruntime (CPU) at batch 2 and at batch 1 on the first image,
 * and asserts logits of shape [B, 1000], finite, and the same first row at both batch sizes (a graph that
 * mixes images across the batch, or hard-codes it, fails).
 */
export async function expectRunsAtBatch1And2(name: string, resolution: number): Promise<void> {
  const { bytes, metadata } = buildModel(name, { resolution });
  expect(metadata.inputShape).toEqual(["batch", 3, resolution, resolution]);
  const session = await ort.InferenceSession.create(bytes);
  try {
    const pix = images(2, resolution);
    const per = 3 * resolution * resolution;
    const two = (
      await session.run({ pixel_values: new ort.Tensor("float32", pix, [2, 3, resolution, resolution]) })
    ).logits;
    const one = (
      await session.run({
        pixel_values: new ort.Tensor("float32", pix.slice(0, per), [1, 3, resolution, resolution]),
      })
    ).logits;
    expect(two.dims).toEqual([2, 1000]);
    expect(one.dims).toEqual([1, 1000]);
    const a = two.data as Float32Array;
    const c = one.data as Float32Array;
    expect(a.every(Number.isFinite)).toBe(true);
    let scale = 0;
    let diff = 0;
    let rows = 0;
    for (let i = 0; i < 1000; i++) {
      scale = Math.max(scale, Math.abs(c[i]));
      diff = Math.max(diff, Math.abs(a[i] - c[i]));
      rows = Math.max(rows, Math.abs(a[i] - a[1000 + i]));
    }
    expect(scale).toBeGreaterThan(0);
    expect(diff).toBeLessThanOrEqual(1e-3 * scale + 1e-5);
    // two different images give different logits
    expect(rows).toBeGreaterThan(0);
  } finally {
    await session.release();
  }
}
