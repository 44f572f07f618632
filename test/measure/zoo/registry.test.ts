import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { readModel } from "../../../src/measure/onnx/index.js";
import {
  buildModel,
  catalogueModels,
  defineModel,
  describeModel,
  findModel,
  getModel,
  listModels,
  ZooError,
} from "../../../src/measure/zoo/index.js";

describe("zoo registry", () => {
  it("finds models by display name or source id, case-insensitively", () => {
    expect(findModel("DeiT-S (LS)")?.sourceId).toBe("deit_small_patch16_LS");
    expect(findModel("deit_small_patch16_ls")?.name).toBe("DeiT-S (LS)");
    expect(findModel("  vit-s/16 ")?.name).toBe("ViT-S/16");
    expect(findModel("ViT-Q")).toBeUndefined();
    expect(() => getModel("ViT-Q")).toThrow(/unknown zoo model "ViT-Q"; known: .*ViT-S\/16/);
  });

  it("lists models in catalogue order, each under its catalogue name and source id", () => {
    const catalogue = catalogueModels();
    const listed = listModels();
    const index = listed.map((m) => catalogue.findIndex((c) => c.sourceId === m.sourceId));
    expect(index.every((i) => i >= 0)).toBe(true);
    expect([...index].sort((a, b) => a - b)).toEqual(index);
    for (const m of listed) expect(catalogue.find((c) => c.sourceId === m.sourceId)?.name).toBe(m.name);
  });

  it("refuses a second registration of a name or source id", () => {
    const vit = getModel("ViT-Ti/16");
    expect(() => defineModel({ ...vit })).toThrow(/registered twice/);
  });

  it("rejects bad resolutions and options with a message naming the problem", () => {
    expect(() => buildModel("ViT-S/16", { resolution: 100 })).toThrow(ZooError);
    expect(() => buildModel("ViT-S/16", { resolution: 100 })).toThrow(
      /ViT-S\/16: resolution must be a multiple of 16/,
    );
    expect(() => buildModel("ViT-S/16", { resolution: -16 })).toThrow(/positive integer/);
    expect(() => buildModel("ViT-Ti/16", { resolution: 32, numClasses: 0 })).toThrow(/numClasses/);
    expect(() => buildModel("ViT-Ti/16", { resolution: 32, dtype: "int8" as never })).toThrow(/dtype/);
    expect(() => buildModel("ViT-Ti/16", { resolution: 32, seed: 1.5 })).toThrow(/seed/);
  });

  it("builds bytes with metadata, deterministic per seed, and honours numClasses", async () => {
    const a = buildModel("ViT-Ti/16", { resolution: 32, numClasses: 10, seed: 5 });
    const b = buildModel("ViT-Ti/16", { resolution: 32, numClasses: 10, seed: 5 });
    const c = buildModel("ViT-Ti/16", { resolution: 32, numClasses: 10, seed: 6 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(Buffer.from(a.bytes).equals(Buffer.from(c.bytes))).toBe(false);
    expect(a.metadata).toMatchObject({
      name: "ViT-Ti/16",
      sourceId: "ViT-Ti/16",
      resolution: 32,
      numClasses: 10,
      dtype: "float32",
      seed: 5,
      opset: 20,
      inputName: "pixel_values",
      inputShape: ["batch", 3, 32, 32],
      outputName: "logits",
    });
    expect(a.metadata.parameters).toBe(
      describeModel("ViT-Ti/16", { resolution: 32, numClasses: 10 }).metadata.parameters,
    );
    const g = readModel(a.bytes);
    expect(g.metadata["favor.model"]).toBe("ViT-Ti/16");
    const session = await ort.InferenceSession.create(a.bytes);
    const out = await session.run({
      pixel_values: new ort.Tensor("float32", new Float32Array(3 * 32 * 32), [1, 3, 32, 32]),
    });
    expect(out.logits.dims).toEqual([1, 10]);
  });

  it("builds float16 graphs that onnxruntime's CPU provider runs", async () => {
    const m = buildModel("ViT-Ti/16", { resolution: 32, dtype: "float16" });
    expect(readModel(m.bytes).inputs[0].dtype).toBe("float16");
    const session = await ort.InferenceSession.create(m.bytes);
    const out = await session.run({
      pixel_values: new ort.Tensor("float16", new Uint16Array(2 * 3 * 32 * 32).fill(0x3800), [2, 3, 32, 32]),
    });
    expect(out.logits.dims).toEqual([2, 1000]);
    expect(out.logits.type).toBe("float16");
  });
});
