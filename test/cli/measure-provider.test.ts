import { spawnSync } from "node:child_process";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { webgpuAvailability } from "../../src/measure/profiler/webgpu-probe.js";
import { createScratchDatabase, type ScratchDatabase } from "../helpers/test-database.js";

describe("npm run measure -- --provider", () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase("pglite");
  });
  afterAll(async () => scratch?.drop());

  const measure = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/measure.ts", "--model", "ViT-Ti/16", ...args], {
      encoding: "utf8",
      env: { ...process.env, FAVOR_DATA_DIR: scratch.dataDir, DATABASE_URL: "", LOG_LEVEL: "" },
      timeout: 120_000,
    });

  it("webgpu where it cannot run: exits 2 naming what is missing, and measures nothing on the CPU instead", () => {
    const availability = webgpuAvailability();
    if (availability.problem === null) return; // A GPU host.
    const result = measure("--provider", "webgpu", "--metrics", "latencyP50Ms");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /measure: Provider "webgpu" cannot run on this server: .*(libvulkan\.so\.1|no WebGPU adapter)/,
    );
    expect(result.stdout).not.toMatch(/measured/);
  }, 130_000);

  it("an unknown provider: exits 2 naming the ones there are", () => {
    const result = measure("--provider", "tpu");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Unknown provider "tpu": use cpu, cuda, webgpu, auto');
  }, 130_000);
});
