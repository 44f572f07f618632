import { describe, expect, it } from "vitest";

import { describeModel } from "../../../src/measure/zoo/registry.js";
import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  statsOf,
} from "./hierarchical-helpers.js";

describe("CoaT-Ti", () => {
  it("has the dataset's parameter count for every run (shared CPE/CRPE convs and the shared parallel MLP counted once)", () => {
    expectDatasetParameters("CoaT-Ti");
  });

  it("has the dataset's MACs in the benchmark's convention (einsum skipped, bilinear resize 4 per output) up to a few MACs", () => {
    expectDatasetMacs("CoaT-Ti", (r) => benchmarkMacs(statsOf("CoaT-Ti", r)), 1e-6);
  });

  it("runs in onnxruntime at 64, batch 1 and 2", async () => {
    await expectRunsAtBatch1And2("CoaT-Ti", 64);
  });

  it("builds at 382, where the scales (95, 47, 23, 11) are not powers of two apart", () => {
    expect(describeModel("CoaT-Ti", { resolution: 382 }).metadata.parameters).toBe(5498540);
  });
});
