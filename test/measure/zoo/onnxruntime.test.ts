import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { buildModel, listModels } from "../../../src/measure/zoo/index.js";

/** Two distinct deterministic images [2, 3, r, r]. */
function images(r: number, batch: number): ort.Tensor {
  const data = new Float32Array(batch * 3 * r * r);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * (i < data.length / 2 ? 1 : -0.5);
  return new ort.Tensor("float32", data, [batch, 3, r, r]);
}

/** Builds, loads and runs a model at batch 2 and 1; returns the logits of both runs. */
async function runBoth(name: string, resolution: number): Promise<{ two: ort.Tensor; one: ort.Tensor }> {
  const { bytes, metadata } = buildModel(name, { resolution, seed: 1 });
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: "basic" });
  expect(session.inputNames).toEqual([metadata.inputName]);
  expect(session.outputNames).toEqual([metadata.outputName]);
  const two = (await session.run({ pixel_values: images(resolution, 2) })).logits;
  const firstImage = new ort.Tensor(
    "float32",
    (images(resolution, 2).data as Float32Array).slice(0, 3 * resolution ** 2),
    [1, 3, resolution, resolution],
  );
  const one = (await session.run({ pixel_values: firstImage })).logits;
  await session.release();
  return { two, one };
}

function expectConsistent(name: string, { two, one }: { two: ort.Tensor; one: ort.Tensor }): void {
  expect(two.dims, name).toEqual([2, 1000]);
  expect(one.dims, name).toEqual([1, 1000]);
  const a = two.data as Float32Array;
  const b = one.data as Float32Array;
  expect(a.every(Number.isFinite), `${name}: finite logits`).toBe(true);
  // The first image's logits must not depend on what else is in the batch.
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < 1000; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(maxDiff, `${name}: batch 1 vs batch 2 logits`).toBeLessThanOrEqual(1e-3 * Math.max(scale, 1e-3));
}

describe("every zoo graph runs in onnxruntime (CPU) at batch 1 and 2", () => {
  for (const model of listModels()) {
    const resolution = model.testResolution ?? 64;
    it(`${model.name} @${resolution}`, async () => {
      expectConsistent(model.name, await runBoth(model.name, resolution));
    });
  }
});

describe("full-size graphs", () => {
  // A few at the benchmark's size (the rest above run small for CI time); DFT models are checked numerically in fourier.test.ts.
  for (const [name, resolution] of [
    ["ViT-Ti/16", 224],
    ["Nyströmformer-S (32)", 224],
    ["MLP-Mixer-S/16", 224],
  ] as const) {
    it(`${name} @${resolution}`, async () => {
      expectConsistent(name, await runBoth(name, resolution));
    });
  }
});
