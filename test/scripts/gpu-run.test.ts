import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, describe, expect, it } from "vitest";

const TINY = {
  latency: { warmupRuns: 1, minRuns: 5, minDurationMs: 0, maxDurationMs: 1_000 },
  throughput: {
    final: { warmupRuns: 1, minRuns: 3, minDurationMs: 0, maxDurationMs: 1_000 },
    search: { warmupRuns: 0, minRuns: 2, minDurationMs: 0, maxDurationMs: 500 },
    batchSizes: [1, 4],
    searchBudgetMs: 2_000,
  },
  stability: { remeasure: 0 },
};

const hasPython = spawnSync("python3", ["--version"]).status === 0;

describe("scripts/gpu-prepare.sh and scripts/gpu-run.sh", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "favor-gpu-run-sh-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are valid bash", () => {
    for (const script of ["scripts/gpu-prepare.sh", "scripts/gpu-run.sh"])
      expect(spawnSync("bash", ["-n", script]).status, script).toBe(0);
  });

  it("gpu-run.sh goes through every step on a CPU (provider cpu, one model, tiny loops) and leaves its files in <outdir>", () => {
    const out = path.join(dir, "out");
    const stdout = execFileSync("bash", ["scripts/gpu-run.sh", out], {
      encoding: "utf8",
      env: {
        ...process.env,
        FAVOR_GPU_PROVIDER: "cpu",
        FAVOR_GPU_RESOLUTION: "32",
        FAVOR_GPU_MODELS: "ViT-Ti/16",
        FAVOR_GPU_METRICS: "throughput,latencyP50Ms",
        FAVOR_GPU_SETTINGS: JSON.stringify(TINY),
        FAVOR_GPU_BUDGET_S: "150",
        FAVOR_GPU_CALIBRATION_S: "5",
      },
      timeout: 170_000,
    });
    expect(stdout).toMatch(/gpu-run: adapter check exit 0/);
    expect(stdout).toMatch(/gpu-measure: 2 figures, 0 failed measurements/);
    expect(stdout).toMatch(/gpu-run: measurement exit 0/);
    // What comes back from a device call: at most 8 files, at most 2 folders down.
    expect(readdirSync(out).sort()).toEqual([
      "calibration.json",
      "check.json",
      "gpu-run.log",
      "measurements",
      "status.json",
      "summary.txt",
    ]);
    expect(readdirSync(path.join(out, "measurements"))).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(out, "check.json"), "utf8"))).toMatchObject({ chosen: "cpu" });
    expect(JSON.parse(readFileSync(path.join(out, "calibration.json"), "utf8"))).toMatchObject({
      model: "vit_small_patch16_224",
      precision: "fp32",
    });
    expect(readFileSync(path.join(out, "summary.txt"), "utf8")).toMatch(/^calibration: /m);
    expect(existsSync(path.join(out, "gpu-run.log"))).toBe(true);
  }, 180_000);

  it.runIf(hasPython)(
    "calibrate-torch.py prints one JSON object, with an error rather than a crash where torch is missing",
    () => {
      const text = execFileSync("python3", ["scripts/calibrate-torch.py", "--dry-run", "--budget-s", "20"], {
        encoding: "utf8",
        timeout: 120_000,
      });
      const result = JSON.parse(text);
      expect(result).toMatchObject({ model: "vit_small_patch16_224", precision: "fp32", tf32: false });
      if (result.error === undefined) expect(result.imagesPerSecond).toBeGreaterThan(0);
      else expect(result.error).toMatch(/torch/);
    },
    130_000,
  );
});
