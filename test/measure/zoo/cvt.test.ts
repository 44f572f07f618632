import { describe, expect, it } from "vitest";

import {
  benchmarkMacs,
  expectDatasetMacs,
  expectDatasetParameters,
  expectRunsAtBatch1And2,
  runsOf,
  statsOf,
} from "./hierarchical-helpers.js";

describe("CvT-13", () => {
  it("has the dataset's parameter count for every run", () => {
    expectDatasetParameters("CvT-13");
  });

  it("has the dataset's MACs in the benchmark's convention, which skips the einsum attention products", () => {
    expectDatasetMacs("CvT-13", (r) => benchmarkMacs(statsOf("CvT-13", r)), 1e-6);
    // All MACs, attention products included, are 12.5% above the dataset's figure at 224.
    const all = statsOf("CvT-13", 224).macs;
    const dataset = runsOf("CvT-13").find((r) => r.resolution === 224)!.metrics.macs;
    expect(all / dataset).toBeGreaterThan(1.12);
    expect(all / dataset).toBeLessThan(1.13);
  });

  it("runs in onnxruntime at 64, batch 1 and 2", async () => {
    await expectRunsAtBatch1And2("CvT-13", 64);
  });
});
