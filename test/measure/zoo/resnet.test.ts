import { describe, expect, it } from "vitest";

import { buildModel } from "../../../src/measure/zoo/registry.js";
import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

describe("ResNet-50", () => {
  it("has the dataset's parameter count for every run (BatchNorm weight and bias counted, running stats not)", () => {
    expectDatasetParameters("ResNet-50");
  });

  it("has the dataset's MACs exactly in the benchmark's convention (BatchNorm 1 MAC per output element)", () => {
    expectDatasetMacs("ResNet-50", (r) => benchmarkMacs(statsOf("ResNet-50", r)), 0);
  });

  it("runs in onnxruntime at full size (224), batch 1 and 2", async () => {
    await expectRunsAtBatch1And2("ResNet-50", 224);
  });

  it("rejects resolutions below 32", () => {
    expect(() => buildModel("ResNet-50", { resolution: 16 })).toThrow(
      /ResNet-50: resolution must be at least 32/,
    );
  });
});
