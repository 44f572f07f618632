import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { GraphBuilder } from "../../../src/measure/onnx/index.js";
import { buildModel } from "../../../src/measure/zoo/registry.js";
import { dwt, idwt } from "../../../src/measure/zoo/wave-vit.js";
import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

describe("WaveViT-S", () => {
  it("has the dataset's parameter count for every run (wavelet filters are constants)", () => {
    expectDatasetParameters("WaveViT-S");
  });

  it("has the dataset's MACs in the benchmark's convention, where the DWT/IDWT (custom autograd Functions) are invisible to torchprofile", () => {
    const dwtNode = /\.i?dwt(_\d+)?$/;
    expectDatasetMacs(
      "WaveViT-S",
      (r) => benchmarkMacs(statsOf("WaveViT-S", r), (n) => dwtNode.test(n.name)),
      1e-6,
    );
  });

  it("runs in onnxruntime at 64, batch 1 and 2", async () => {
    await expectRunsAtBatch1And2("WaveViT-S", 64);
  });

  it("inverts its Haar DWT exactly (IDWT(DWT(x)) = x)", async () => {
    const b = new GraphBuilder({ name: "haar" });
    const x = b.input("x", ["batch", 3, 4, 6]);
    const d = dwt(b, x);
    expect(d.shape).toEqual(["batch", 12, 2, 3]);
    b.output(idwt(b, d), "y");
    const s = await ort.InferenceSession.create(b.toBytes());
    const data = Float32Array.from({ length: 2 * 72 }, (_, i) => Math.sin(i * 1.7));
    const y = (await s.run({ x: new ort.Tensor("float32", data, [2, 3, 4, 6]) })).y;
    expect(y.dims).toEqual([2, 3, 4, 6]);
    const out = y.data as Float32Array;
    for (let i = 0; i < data.length; i++) expect(out[i]).toBeCloseTo(data[i], 5);
    await s.release();
  });

  it("rejects resolutions whose stage maps are odd", () => {
    expect(() => buildModel("WaveViT-S", { resolution: 200 })).toThrow(
      /WaveViT-S: resolution must be at least 64 with even stage-1 and stage-2 maps/,
    );
  });
});
