import { afterEach, describe, expect, it } from "vitest";
import { profileMetric } from "../../../src/measure/profiler/index.js";
import type { LatencyMeasurement, ProfileResult } from "../../../src/measure/profiler/profile.types.js";
import { startCpuHogs } from "../../helpers/cpu-hogs.js";
import { tinyMlpGraph } from "./fixtures/tiny-graph.js";

let stopHogs = () => {};
afterEach(() => stopHogs());

describe("the validity verdict on a busy machine", () => {
  it("flags a latency measured beside a CPU hog as unstable and records the load", async () => {
    stopHogs = await startCpuHogs();
    const outcome = await profileMetric({
      graph: { bytes: tinyMlpGraph({ width: 64 }) },
      metric: "latency",
      threads: 1,
      settings: {
        latency: { warmupRuns: 5, minRuns: 30, minDurationMs: 600, maxDurationMs: 3_000 },
        stability: { remeasure: 0 },
      },
    });
    expect(outcome.ok).toBe(true);
    const { measurement, provenance } = outcome as ProfileResult<LatencyMeasurement>;
    expect(measurement.validity.verdict).toBe("unstable");
    expect(measurement.validity.reasons.join("\n")).toMatch(
      /other processes took \d+ % of the machine's CPU/,
    );
    expect(measurement.validity.load?.foreignCpuShare).toBeGreaterThan(0.25);
    expect(measurement.validity.load?.foreignCpuMs).toBeGreaterThan(0);
    expect(provenance.validity).toEqual(measurement.validity);
  });
});
