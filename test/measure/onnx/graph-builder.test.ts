import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import {
  BATCH,
  buildVit,
  GraphBuilder,
  INIT,
  layerNorm,
  linear,
  readModel,
  ShapeInferenceError,
  VIT_SIZES,
} from "../../../src/measure/onnx/index.js";

async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(bytes);
  return s.run(feeds);
}

describe("GraphBuilder", () => {
  it("infers shapes as nodes are added, keeping the symbolic batch", () => {
    const b = new GraphBuilder({ name: "t" });
    const x = b.input("x", [BATCH, 4, 8]);
    const y = linear(b, x, 8, 16, "fc");
    expect(y.shape).toEqual([BATCH, 4, 16]);
    expect(b.reshape(y, [0, 64]).shape).toEqual([BATCH, 64]);
    expect(b.reshape(y, [-1, 2, 32]).shape).toEqual([BATCH, 2, 32]);
    expect(b.transpose(y, [0, 2, 1]).shape).toEqual([BATCH, 16, 4]);
    expect(b.split(y, [4, 12], -1).map((t) => t.shape)).toEqual([
      [BATCH, 4, 4],
      [BATCH, 4, 12],
    ]);
    expect(b.topK(y, 3, -1).map((t) => [t.dtype, t.shape])).toEqual([
      ["float32", [BATCH, 4, 3]],
      ["int64", [BATCH, 4, 3]],
    ]);
    expect(b.einsum("bnd,nk->bkd", y, b.param("p", [4, 5])).shape).toEqual([BATCH, 5, 16]);
    expect(b.dft(b.unsqueeze(y, [3]), 2, { onesided: true }).shape).toEqual([BATCH, 4, 9, 2]);
  });

  it("throws a ShapeInferenceError naming the node for mismatched shapes", () => {
    const b = new GraphBuilder({ name: "t" });
    const x = b.input("x", [BATCH, 4, 8]);
    expect(() => b.matmul(x, b.param("w", [7, 3]))).toThrow(ShapeInferenceError);
    expect(() => b.matmul(x, b.param("w2", [7, 3]))).toThrow(/MatMul node "MatMul.*inner dimensions differ/);
    expect(() => b.reshape(x, [0, 5])).toThrow(/cannot reshape/);
    expect(() => linear(b, x, 9, 2, "bad")).toThrow(/expected 9/);
  });

  it("counts parameters, not constants, and names them by scope", () => {
    const b = new GraphBuilder({ name: "t" });
    const x = b.input("x", [BATCH, 3, 8]);
    b.scope("blocks.0", () => layerNorm(b, b.mul(x, 2), 8, "norm1"));
    b.constant([1, 2, 3], [3], "float32", "not_a_param");
    expect(b.parameterCount).toBe(16);
    b.output(x);
    const g = readModel(b.toBytes());
    expect(g.initializers.map((i) => i.name)).toEqual(["blocks.0.norm1.weight", "blocks.0.norm1.bias"]);
    expect(g.opset).toBe(20);
    expect(g.inputs[0].shape).toEqual([BATCH, 3, 8]);
  });

  it("produces identical bytes for the same seed and different weights for another seed", () => {
    const make = (seed: number) => {
      const b = new GraphBuilder({ name: "t", seed });
      const x = b.input("x", [BATCH, 8]);
      b.output(linear(b, x, 8, 8, "fc"));
      return b.toBytes();
    };
    expect(Buffer.from(make(1)).equals(Buffer.from(make(1)))).toBe(true);
    expect(Buffer.from(make(1)).equals(Buffer.from(make(2)))).toBe(false);
  });

  it("refuses to serialise a structure-only graph", () => {
    const b = new GraphBuilder({ name: "t", weights: false });
    b.output(linear(b, b.input("x", [BATCH, 8]), 8, 8, "fc"));
    expect(() => b.toBytes()).toThrow(/without weights/);
    expect(b.toGraph().initializers).toHaveLength(2);
  });

  it("runs in onnxruntime with results matching a JS reference (linear, GELU, LayerNorm, softmax)", async () => {
    const b = new GraphBuilder({ name: "t", seed: 3 });
    const x = b.input("x", [BATCH, 2, 4]);
    const w = b.param("w", [4, 3], { kind: "uniform", low: -1, high: 1 });
    const y = b.softmax(b.gelu(b.matmul(layerNorm(b, x, 4, "ln"), w)), -1);
    b.output(y, "y");
    const bytes = b.toBytes();
    const g = readModel(bytes);
    expect(g.nodes.map((n) => n.opType)).toContain("Gelu");
    const input = Float32Array.from([1, 2, 3, 4, -1, 0, 1, 5, 2, 2, 2, 3, 0, 0, 0, 1]);
    const out = await run(bytes, { x: new ort.Tensor("float32", input, [2, 2, 4]) });
    expect(out.y.dims).toEqual([2, 2, 3]);
    const weights = g.initializers.find((i) => i.name === "w")!.values!;
    const got = out.y.data as Float32Array;
    for (let r = 0; r < 4; r++) {
      const row = Array.from(input.slice(r * 4, r * 4 + 4));
      const mean = row.reduce((s, v) => s + v, 0) / 4;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 4;
      const normed = row.map((v) => (v - mean) / Math.sqrt(variance + 1e-6));
      const z = [0, 1, 2].map((j) => normed.reduce((s, v, k) => s + v * weights[k * 3 + j], 0));
      const act = z.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
      const e = act.map(Math.exp);
      const sum = e.reduce((s, v) => s + v, 0);
      for (const [j, v] of e.entries()) expect(got[r * 3 + j]).toBeCloseTo(v / sum, 5);
    }
  });

  it("keeps float16 graphs in float16 and onnxruntime runs them", async () => {
    const b = new GraphBuilder({ name: "t", dtype: "float16" });
    const x = b.input("x", [BATCH, 8]);
    const y = b.add(linear(b, x, 8, 4, "fc"), 1);
    expect(y.dtype).toBe("float16");
    b.output(y, "y");
    const out = await run(b.toBytes(), { x: new ort.Tensor("float16", new Uint16Array(16), [2, 8]) });
    expect(out.y.type).toBe("float16");
    expect(out.y.dims).toEqual([2, 4]);
  });

  it("builds a DeiT-III ViT-Ti with the benchmark's parameter count", () => {
    const b = new GraphBuilder({ name: "vit", weights: false });
    const logits = buildVit(b, { ...VIT_SIZES.Ti, resolution: 224, numClasses: 1000 });
    expect(logits.shape).toEqual([BATCH, 1000]);
    expect(b.parameterCount).toBe(5_721_832);
  });

  it("initialises constants and ones as asked", async () => {
    const b = new GraphBuilder({ name: "t" });
    const x = b.input("x", [BATCH, 3]);
    b.output(b.mul(x, b.param("g", [3], INIT.ones)), "y");
    const out = await run(b.toBytes(), {
      x: new ort.Tensor("float32", Float32Array.from([1, 2, 3]), [1, 3]),
    });
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 2, 3]);
  });
});

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
