import { describe, expect, it } from "vitest";

import { analyzeModel } from "../../../src/measure/onnx/index.js";
import { buildModel, describeModel } from "../../../src/measure/zoo/index.js";
import { expectRunsAtBatch1And2 } from "./hierarchical-helpers.js";
import { expectReference, expectRunsInFloat16 } from "./reference-helpers.js";

// Reference: `python3 ref.py slab_small_patch16 224` (models.prepare_model, layer scale 1e-4, qkv bias; the
// constructor asserts img_size == 224): 23,001,473 parameters (sum(p.numel()), the 25 LinearNorms' LayerNorms
// included although eval mode never calls them), 4,248,148,380 MACs; timm.create_model without the benchmark's
// defaults gives 22,992,257. Without the unused LayerNorms (what an exported eval graph keeps): 22,982,273.
// The graph counts 252 MACs fewer (6e-8).
describe("SLAB-S", () => {
  it("has the reference's parameters exactly and its MACs", () => {
    expectReference("slab_small_patch16", { resolution: 224, params: 23_001_473, macs: 4_248_148_380 }, 1e-7);
  });

  it("consumes 22,982,273 of them in eval mode: the LinearNorms' LayerNorms are unused", () => {
    const { graph } = describeModel("SLAB-S", { resolution: 224 });
    const consumed = analyzeModel(graph).nodes.reduce((t, n) => t + n.parameters, 0);
    expect(consumed).toBe(22_982_273);
  });

  it("runs in onnxruntime at 224, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("SLAB-S", 224);
    await expectRunsInFloat16("SLAB-S", 224);
  });

  it("builds at 224 only, as the reference", () => {
    expect(() => buildModel("SLAB-S", { resolution: 256 })).toThrow(/defined at 224 only/);
  });
});

// Reference: `python3 ref.py slab_tiny_patch16 224` (slab.py registers Ti and S; Ti is the smaller): 6,202,817
// parameters with the 25 unused LayerNorms, 1,083,624,756 MACs; timm.create_model without the benchmark's defaults
// gives 6,198,209; without the unused LayerNorms, 6,193,217. The graph counts 228 MACs fewer (2e-7).
describe("SLAB-Ti", () => {
  it("has the reference's parameters exactly and its MACs", () => {
    expectReference("slab_tiny_patch16", { resolution: 224, params: 6_202_817, macs: 1_083_624_756 }, 1e-6);
  });

  it("consumes 6,193,217 of them in eval mode", () => {
    const { graph } = describeModel("SLAB-Ti", { resolution: 224 });
    expect(analyzeModel(graph).nodes.reduce((t, n) => t + n.parameters, 0)).toBe(6_193_217);
  });

  it("runs in onnxruntime at 224, batch 1 and 2, float32 and float16", async () => {
    await expectRunsAtBatch1And2("SLAB-Ti", 224);
    await expectRunsInFloat16("SLAB-Ti", 224);
  });

  it("builds at 224 only, as the reference", () => {
    expect(() => buildModel("SLAB-Ti", { resolution: 384 })).toThrow(/defined at 224 only/);
  });
});
