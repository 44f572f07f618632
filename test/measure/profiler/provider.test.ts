import { describe, expect, it } from "vitest";

import type { CudaAvailability } from "../../../src/measure/profiler/provider.js";
import {
  chooseProvider,
  cudaAvailability,
  ProviderUnavailableError,
} from "../../../src/measure/profiler/provider.js";

const ready: CudaAvailability = { binaries: true, gpus: 1, problem: null };
const missing: CudaAvailability = { binaries: false, gpus: 1, problem: "the CUDA provider is not installed" };

describe("chooseProvider", () => {
  it("runs cpu as asked", () => {
    expect(chooseProvider("cpu", () => missing)).toEqual({ requested: "cpu", provider: "cpu", reason: null });
  });

  it("refuses cuda where it cannot run, never falling back silently", () => {
    expect(() => chooseProvider("cuda", () => missing)).toThrow(ProviderUnavailableError);
    expect(() => chooseProvider("cuda", () => missing)).toThrow(
      /cuda execution provider is unavailable: the CUDA provider is not installed/,
    );
    expect(chooseProvider("cuda", () => ready)).toEqual({
      requested: "cuda",
      provider: "cuda",
      reason: null,
    });
  });

  it("lets auto pick cuda where it can run and cpu otherwise, saying why", () => {
    expect(chooseProvider("auto", () => ready)).toMatchObject({
      provider: "cuda",
      reason: "cuda binaries and a GPU are present",
    });
    expect(chooseProvider("auto", () => missing)).toMatchObject({
      provider: "cpu",
      reason: "cuda cannot run: the CUDA provider is not installed",
    });
  });

  it("rejects an unknown provider by name", () => {
    expect(() => chooseProvider("tpu" as "cpu")).toThrow('unknown provider "tpu"; use cpu, cuda or auto');
  });
});

describe("cudaAvailability", () => {
  it("reports a problem with an install hint where the CUDA binaries are absent", () => {
    const a = cudaAvailability();
    if (a.binaries && a.gpus > 0) {
      expect(a.problem).toBeNull();
    } else {
      expect(a.problem).toMatch(
        a.binaries ? /no NVIDIA GPU/ : /ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci|linux\/x64 only/,
      );
    }
  });
});
