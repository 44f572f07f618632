import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { relativeRows } from "../../../src/measure/zoo/halonet.js";
import { buildModel } from "../../../src/measure/zoo/index.js";
import { images } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

/** Runs a HaloNet at 256 (batch 1 and 2, float32 and float16) and asserts that its output ignores the image. */
async function expectRunsIgnoringTheImage(name: string): Promise<void> {
  // The reference's inverted padding mask leaves stage 3 attending to zero padding only, so its output (and
  // the graph's) is the same for every image: the shared helper's "different images differ" check cannot hold.
  const { bytes } = buildModel(name, { resolution: 256, seed: 3 });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const per = 3 * 256 * 256;
    const pixels = images(2, 256);
    const two = (await session.run({ pixel_values: new ort.Tensor("float32", pixels, [2, 3, 256, 256]) }))
      .logits;
    const one = (
      await session.run({ pixel_values: new ort.Tensor("float32", pixels.slice(0, per), [1, 3, 256, 256]) })
    ).logits;
    expect(two.dims).toEqual([2, 1000]);
    expect(one.dims).toEqual([1, 1000]);
    const a = two.data as Float32Array;
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(a.slice(0, 1000))).toEqual(Array.from(a.slice(1000)));
    expect(Array.from(one.data as Float32Array)).toEqual(Array.from(a.slice(0, 1000)));
  } finally {
    await session.release();
  }
  await expectRunsInFloat16(name, 256);
}

// Reference: `python3 ref.py halonet_h2 256 512` with halonet_pytorch 0.0.4 (models.prepare_model, qkv bias on; 224
// fails: the sides must be divisible by 64): 10,696,760 parameters, 3,686,288,276 MACs; timm.create_model
// (qkv bias off) gives 10,681,976. (h1: 9,430,696 / 3,358,938,835 at 256; h2, the largest, is the size nearest
// ViT-S.) The graph counts 1,300 MACs fewer (4e-7).
describe("HaloNet-H2", () => {
  it("has the reference's parameters exactly and its MACs at 256 and 512", () => {
    expectReference("halonet_h2", { resolution: 256, params: 10_696_760, macs: 3_686_288_276 }, 1e-6);
    expectReference("halonet_h2", { resolution: 512, params: 10_696_760, macs: 14_743_227_284 }, 1e-6);
  });

  it("runs in onnxruntime at 256, batch 1 and 2, float32 and float16, and ignores the image as the reference does", async () => {
    await expectRunsIgnoringTheImage("HaloNet-H2");
  });

  it("indexes the relative tables as rel_to_abs does: row 13 + window position − query position", () => {
    const rows = relativeRows();
    expect(rows.slice(0, 3)).toEqual([13, 14, 15]);
    expect(rows[7 * 14]).toBe(6);
    expect(Math.max(...rows)).toBe(26);
  });

  it("rejects 224, as the reference", () => {
    expect(() => buildModel("HaloNet-H2", { resolution: 224 })).toThrow(/multiple of 256/);
  });
});

// Reference: `python3 ref.py halonet_h0 256 512` (the smallest size registered; qkv bias on): 6,764,744 parameters,
// 2,601,413,792 MACs; timm.create_model (qkv bias off) gives 6,753,032. The graph counts 928 MACs fewer (4e-7).
// Counted in a later setup with the versions data/zoo-references.json states (halonet_pytorch 0.0.4, einops 0.7.0;
// 0.8.1 gives the same), which gives H2 3,686,288,136 MACs (140 fewer than above), H1 3,358,938,702 (133 fewer) and
// H0 112 fewer than the 2,601,413,904 an earlier comment here noted: the two setups differ by trace details below
// 1e-7 (parameters agree), which this file does not explain.
describe("HaloNet-H0", () => {
  it("has the reference's parameters exactly and its MACs at 256 and 512", () => {
    expectReference("halonet_h0", { resolution: 256, params: 6_764_744, macs: 2_601_413_792 }, 1e-6);
    expectReference("halonet_h0", { resolution: 512, params: 6_764_744, macs: 10_404_883_616 }, 1e-6);
  });

  it("runs in onnxruntime at 256, batch 1 and 2, float32 and float16, and ignores the image as H2 does", async () => {
    await expectRunsIgnoringTheImage("HaloNet-H0");
  });

  it("rejects 224, as the reference", () => {
    expect(() => buildModel("HaloNet-H0", { resolution: 224 })).toThrow(/multiple of 256/);
  });
});
