import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type MeasureContext,
  measureTask,
  type PreparedModelGraph,
  prepareZooGraph,
} from "../../src/measure/cell-measurer.js";
import { startCpuHogs } from "../helpers/cpu-hogs.js";

const LOOP = { warmupRuns: 2, minRuns: 9, minDurationMs: 300, maxDurationMs: 1_500 };

describe("a job re-measures unstable figures", () => {
  let dir: string;
  let graph: PreparedModelGraph;
  let stopHogs = () => {};
  const context = (extra: Partial<MeasureContext>): MeasureContext => ({
    provider: "cpu",
    gpuIndex: 0,
    threads: 1,
    timeoutMs: 60_000,
    provenance: {},
    settings: { latency: LOOP, operators: { warmupRuns: 1, runs: 2 }, stability: { remeasure: 2 } },
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "favor-remeasure-"));
    graph = await prepareZooGraph(dir, "ViT-Ti/16", "ViT-Ti/16", 32);
  });
  afterEach(() => stopHogs());
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("beside a CPU hog: measures three times, then stores the steadiest attempt flagged unstable", async () => {
    stopHogs = await startCpuHogs();
    const outcome = await measureTask("latency", ["latencyP50Ms"], graph, context({}));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const validity = outcome.figures[0].provenance.validity as {
      verdict: string;
      attempts: number;
      reasons: string[];
    };
    expect(validity.verdict).toBe("unstable");
    expect(validity.attempts).toBe(3);
    expect(validity.reasons.join(" ")).toMatch(/other processes took/);
  }, 240_000);

  it("with onlyStable, fails the cell as unstable instead of storing a doubtful figure", async () => {
    stopHogs = await startCpuHogs();
    const outcome = await measureTask(
      "latency",
      ["latencyP50Ms"],
      graph,
      context({ onlyStable: true, settings: { latency: LOOP, stability: { remeasure: 0 } } }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.kind).toBe("unstable");
    expect(outcome.message).toMatch(
      /stayed unstable after 1 attempts and only stable figures were asked for/,
    );
  });
});
