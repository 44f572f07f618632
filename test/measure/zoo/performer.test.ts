import { describe, expect, it } from "vitest";

import { gaussianOrthogonal } from "../../../src/measure/zoo/performer.js";
import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py performer_vit_small_patch16 224 384` (models.prepare_model with the benchmark's layer
// scale 1e-4 and qkv bias; torch.manual_seed(0) before construction, though the random projection is a buffer
// and does not change the counts): 22,059,496 parameters, 4,250,414,772 MACs; timm.create_model without those
// defaults gives 22,050,280. The graph counts 252 MACs fewer (6e-8).
describe("Performer-S", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "performer_vit_small_patch16",
      { resolution: 224, params: 22_059_496, macs: 4_250_414_772 },
      1e-7,
    );
    expectReference(
      "performer_vit_small_patch16",
      { resolution: 384, params: 22_205_416, macs: 12_449_012_052 },
      1e-7,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Performer-S", 64);
    await expectRunsInFloat16("Performer-S", 64);
  });

  it("draws orthogonal random features: rows of one block are orthogonal", () => {
    let s = 1;
    const next = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647 - 0.5;
    };
    const w = gaussianOrthogonal(6, 4, next);
    const row = (r: number) => Array.from(w.slice(r * 4, r * 4 + 4));
    const dot = (a: number[], c: number[]) => a.reduce((t, x, i) => t + x * c[i], 0);
    expect(Math.abs(dot(row(0), row(1)))).toBeLessThan(1e-5);
    expect(Math.abs(dot(row(2), row(3)))).toBeLessThan(1e-5);
    expect(Math.abs(dot(row(4), row(5)))).toBeLessThan(1e-5);
  });
});

// Reference: `python3 ref.py performer_vit_tiny_patch16 224 384` (the smallest size registered; 128 random features
// per head as S): 5,721,832 parameters, 1,079,449,356 MACs; timm.create_model without the benchmark's defaults gives
// 5,717,224. The graph counts 48 MACs fewer (4e-8).
describe("Performer-Ti", () => {
  it("has the reference's parameters exactly and its MACs at 224 and 384", () => {
    expectReference(
      "performer_vit_tiny_patch16",
      { resolution: 224, params: 5_721_832, macs: 1_079_449_356 },
      1e-7,
    );
    expectReference(
      "performer_vit_tiny_patch16",
      { resolution: 384, params: 5_794_792, macs: 3_161_549_916 },
      1e-7,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("Performer-Ti", 64);
    await expectRunsInFloat16("Performer-Ti", 64);
  });
});
