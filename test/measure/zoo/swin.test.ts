import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { GraphBuilder } from "../../../src/measure/onnx/index.js";
import {
  relativePositionIndex,
  roll,
  shiftedWindowMask,
  windowPartition,
  windowReverse,
} from "../../../src/measure/zoo/blocks-hierarchical.js";
import { buildModel } from "../../../src/measure/zoo/registry.js";
import { logSpacedCoords, SWIN_T, swinResolutionProblem } from "../../../src/measure/zoo/swin.js";
import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

describe("Swin family (Swin-T, Swin-S, SwinV2-T, STViT-Swin-T)", () => {
  for (const name of ["Swin-T", "Swin-S", "SwinV2-T", "STViT-Swin-T"]) {
    it(`${name}: parameter count equals the dataset's for every run`, () => {
      expectDatasetParameters(name);
    });
  }

  it("SwinV2-T and STViT-Swin-T: MACs equal the dataset's (benchmark convention) up to a few MACs", () => {
    expectDatasetMacs("SwinV2-T", (r) => benchmarkMacs(statsOf("SwinV2-T", r)), 1e-6);
    expectDatasetMacs("STViT-Swin-T", (r) => benchmarkMacs(statsOf("STViT-Swin-T", r)), 1e-6);
  });

  it("Swin-T and Swin-S: MACs within 0.1% of the dataset's (the v1 graph counts ~0.05% fewer; cause not found)", () => {
    expectDatasetMacs("Swin-T", (r) => benchmarkMacs(statsOf("Swin-T", r)), 1e-3);
    expectDatasetMacs("Swin-S", (r) => benchmarkMacs(statsOf("Swin-S", r)), 1e-3);
  });

  for (const name of ["Swin-T", "Swin-S", "SwinV2-T", "STViT-Swin-T"]) {
    it(`${name}: runs in onnxruntime at 224, batch 1 and 2`, async () => {
      await expectRunsAtBatch1And2(name, 224);
    });
  }

  it("Rejects resolutions the windows do not tile, naming the stage", () => {
    expect(swinResolutionProblem(SWIN_T, 224)).toBeNull();
    expect(swinResolutionProblem(SWIN_T, 448)).toBeNull();
    expect(swinResolutionProblem(SWIN_T, 192)).toMatch(
      /stage 1 map is 48x48, not divisible into 7x7 windows/,
    );
    expect(swinResolutionProblem(SWIN_T, 112)).toMatch(/stage 3 map is 7x7, odd/);
    expect(() => buildModel("Swin-T", { resolution: 384 })).toThrow(/Swin-T: stage 1 map is 96x96/);
    expect(() => buildModel("STViT-Swin-T", { resolution: 384 })).toThrow(/defined at 224 only/);
  });

  it("Relative position index matches the reference formula", () => {
    const idx = relativePositionIndex(2);
    // (dh + 1) * 3 + (dw + 1) for dh, dw = hi - hj, wi - wj
    expect(idx).toEqual([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]);
    expect(Math.max(...relativePositionIndex(7))).toBe(13 * 13 - 1);
  });

  it("Shifted-window mask separates the rolled-in regions and keeps interior windows open", () => {
    const n = 49;
    const m = shiftedWindowMask(14, 14, 7, 3);
    expect(m.length).toBe(4 * n * n);
    const win = (w: number) => m.slice(w * n * n, (w + 1) * n * n);
    expect(win(0).every((v) => v === 0)).toBe(true); // top-left window holds one region
    const last = win(3);
    expect(last.some((v) => v === -100)).toBe(true);
    for (let i = 0; i < n; i++) {
      expect(last[i * n + i]).toBe(0);
      for (let j = 0; j < n; j++) expect(last[i * n + j]).toBe(last[j * n + i]);
    }
  });

  it("SwinV2 log-spaced coordinates span ±log2(9)/3 with the sign of the offset", () => {
    const c = logSpacedCoords(7);
    expect(c.length).toBe(13 * 13 * 2);
    expect(c[0]).toBeCloseTo(-Math.log2(9) / 3, 6);
    expect(c[c.length - 1]).toBeCloseTo(Math.log2(9) / 3, 6);
    expect(c[2 * (6 * 13 + 6)]).toBe(0);
  });

  it("Roll and window partition/reverse in onnxruntime agree with their definitions", async () => {
    const b = new GraphBuilder({ name: "t" });
    const x = b.input("x", ["batch", 4, 4, 1]);
    const rolled = roll(b, roll(b, x, -1, 1), -1, 2);
    const back = windowReverse(b, windowPartition(b, rolled, 2), 2, 4, 4);
    b.output(back, "y");
    b.output(windowPartition(b, x, 2), "w");
    const s = await ort.InferenceSession.create(b.toBytes());
    const data = Float32Array.from({ length: 16 }, (_, i) => i);
    const out = await s.run({ x: new ort.Tensor("float32", data, [1, 4, 4, 1]) });
    // torch.roll(x, (-1, -1), (1, 2)): out[i][j] = x[(i + 1) % 4][(j + 1) % 4]
    const expected = Array.from(
      { length: 16 },
      (_, k) => ((Math.floor(k / 4) + 1) % 4) * 4 + (((k % 4) + 1) % 4),
    );
    expect(Array.from(out.y.data as Float32Array)).toEqual(expected);
    // first 2x2 window holds x[0..1][0..1]
    expect(out.w.dims).toEqual([1, 4, 4, 1]);
    expect(Array.from(out.w.data as Float32Array).slice(0, 4)).toEqual([0, 1, 4, 5]);
    await s.release();
  });
});
