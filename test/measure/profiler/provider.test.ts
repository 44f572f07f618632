import { describe, expect, it } from "vitest";

import type { CudaAvailability } from "../../../src/measure/profiler/provider.js";
import {
  chooseProvider,
  cudaAvailability,
  cudaLoadProblem,
  ProviderUnavailableError,
} from "../../../src/measure/profiler/provider.js";
import type { WebGpuAvailability } from "../../../src/measure/profiler/webgpu-probe.js";
import { interpretProbe, PROBE_MARKER } from "../../../src/measure/profiler/webgpu-probe.js";

const ready: CudaAvailability = { binaries: true, gpus: 1, problem: null };
const missing: CudaAvailability = { binaries: false, gpus: 1, problem: "the CUDA provider is not installed" };
const adapter: WebGpuAvailability = {
  loader: "/usr/lib/x86_64-linux-gnu/libvulkan.so.1",
  driverFiles: ["/usr/share/vulkan/icd.d/nvidia_icd.json"],
  adapter: "Dawn/Vulkan adapter",
  missing: null,
  problem: null,
  probe: null,
};
const noLoader: WebGpuAvailability = {
  ...adapter,
  loader: null,
  adapter: null,
  missing: "vulkan-loader",
  problem: "no Vulkan loader: libvulkan.so.1 was not found",
};
const noAdapter: WebGpuAvailability = {
  ...adapter,
  adapter: null,
  missing: "adapter",
  problem: 'no WebGPU adapter: Dawn found none ("No supported adapters")',
};
const neverWebGpu = (): WebGpuAvailability => {
  throw new Error("webgpu must not be probed here");
};

describe("chooseProvider", () => {
  it("runs cpu as asked", () => {
    expect(chooseProvider("cpu", () => missing, neverWebGpu)).toEqual({
      requested: "cpu",
      provider: "cpu",
      reason: null,
    });
  });

  it("refuses cuda where it cannot run, never falling back silently", () => {
    expect(() => chooseProvider("cuda", () => missing, neverWebGpu)).toThrow(ProviderUnavailableError);
    expect(() => chooseProvider("cuda", () => missing, neverWebGpu)).toThrow(
      /cuda execution provider is unavailable: the CUDA provider is not installed/,
    );
    expect(chooseProvider("cuda", () => ready, neverWebGpu)).toEqual({
      requested: "cuda",
      provider: "cuda",
      reason: null,
    });
  });

  it("refuses webgpu where it cannot run, naming what is missing", () => {
    for (const [availability, what] of [
      [noLoader, "vulkan-loader"],
      [noAdapter, "adapter"],
    ] as const) {
      let error: unknown;
      try {
        chooseProvider(
          "webgpu",
          () => ready,
          () => availability,
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).provider).toBe("webgpu");
      expect((error as ProviderUnavailableError).missing).toBe(what);
      expect((error as Error).message).toContain(availability.problem);
    }
    expect(
      chooseProvider(
        "webgpu",
        () => missing,
        () => adapter,
      ),
    ).toEqual({
      requested: "webgpu",
      provider: "webgpu",
      reason: null,
    });
  });

  it("lets auto pick cuda where its binaries load, else webgpu where an adapter is found, else cpu, saying why", () => {
    expect(chooseProvider("auto", () => ready, neverWebGpu)).toMatchObject({
      provider: "cuda",
      reason: "cuda binaries and a GPU are present",
    });
    const webgpu = chooseProvider(
      "auto",
      () => missing,
      () => adapter,
    );
    expect(webgpu.provider).toBe("webgpu");
    expect(webgpu.reason).toMatch(
      /cuda cannot run: the CUDA provider is not installed; webgpu found an adapter/,
    );
    const cpu = chooseProvider(
      "auto",
      () => missing,
      () => noLoader,
    );
    expect(cpu.provider).toBe("cpu");
    expect(cpu.reason).toBe(
      "cuda cannot run: the CUDA provider is not installed; webgpu cannot run: no Vulkan loader: libvulkan.so.1 was not found",
    );
  });

  it("rejects an unknown provider by name", () => {
    expect(() => chooseProvider("tpu" as "cpu")).toThrow(
      'unknown provider "tpu"; use cpu, cuda, webgpu, auto',
    );
  });
});

describe("cudaLoadProblem", () => {
  const probe = (stdout: string, stderr = "") => interpretProbe(stdout, stderr, 0, null, 5);
  const reply = (body: object) => `\n${PROBE_MARKER}${JSON.stringify(body)}\n`;

  it("says the libraries do not load when the CUDA probe session fails (cuDNN or CUDA 12 missing)", () => {
    const failed = probe(
      reply({
        ok: false,
        error:
          "Failed to load library libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open shared object file: No such file or directory",
      }),
    );
    expect(cudaLoadProblem(failed)).toMatch(
      /installed but do not load \(Failed to load library libonnxruntime_providers_cuda\.so with error: libcudnn\.so\.9: cannot open.*\); CUDA 12 and cuDNN 9/,
    );
  });

  it("refuses a session that put every node on the CPU, and accepts one that placed nodes on CUDA", () => {
    const cpuOnly = probe(
      reply({ ok: true }),
      "[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [CPUExecutionProvider]. Number of nodes: 3\n",
    );
    expect(cudaLoadProblem(cpuOnly)).toMatch(/placed no node on it/);
    const onCuda = probe(
      reply({ ok: true }),
      "[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [CUDAExecutionProvider]. Number of nodes: 3\n",
    );
    expect(cudaLoadProblem(onCuda)).toBeNull();
  });
});

describe("cudaAvailability", () => {
  it("reports a problem with an install hint where the CUDA binaries are absent", () => {
    const a = cudaAvailability();
    if (a.binaries && a.gpus > 0) {
      expect(a.problem).toBeNull();
    } else {
      expect(a.problem).toMatch(
        a.binaries
          ? /no NVIDIA GPU/
          : /ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci|npm run ort:cuda|linux\/x64 only/,
      );
    }
  });
});
