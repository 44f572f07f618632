import { describe, it } from "vitest";

import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

/**
 * With layer scale off, the reference still multiplies both residual branches by gamma = 1.0
 * (`self.gamma_1 * x`), which torchprofile counts as one MAC per element; the graph omits these no-op Muls.
 */
function gammaMacs(resolution: number, depths: number[]): number {
  let h = Math.floor(resolution / 4);
  let total = 0;
  depths.forEach((d, s) => {
    total += d * 2 * h * h * 96 * 2 ** s;
    h = Math.floor(h / 2);
  });
  return total;
}

const MODELS: Array<[string, number[]]> = [
  ["FocalNet-T (SRF)", [2, 2, 6, 2]],
  ["FocalNet-S (SRF)", [2, 2, 18, 2]],
];

describe("FocalNet (SRF)", () => {
  for (const [name, depths] of MODELS) {
    it(`${name}: parameter count equals the dataset's for every run (224 and 382)`, () => {
      expectDatasetParameters(name);
    });

    it(`${name}: MACs equal the dataset's (benchmark convention, plus the gamma = 1.0 multiplies) up to a few MACs`, () => {
      expectDatasetMacs(name, (r) => benchmarkMacs(statsOf(name, r)) + gammaMacs(r, depths), 1e-6);
    });

    it(`${name}: runs in onnxruntime at 64, batch 1 and 2`, async () => {
      await expectRunsAtBatch1And2(name, 64);
    });
  }
});
