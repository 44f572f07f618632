import { describe, expect, it } from "vitest";
import { providerOfDevice } from "../../../src/jobs/device-registry.js";
import type { CpuDescription } from "../../../src/measure/device/index.js";
import { deviceId } from "../../../src/measure/device/index.js";
import { searchBatchSize } from "../../../src/measure/profiler/batch-search.js";
import {
  effectiveStopRule,
  GPU_MEMORY_RESERVE_BYTES,
  GpuQueue,
  gpuMemoryBudget,
  gpuProtocol,
  implausibleOutputs,
  MEMORY_BATCH_SIZES,
  maxBatchSizeFor,
  memoryAboveLoaded,
  readGpuMemory,
  webgpuBatchLimit,
  webgpuOptions,
  webgpuSessionOptions,
} from "../../../src/measure/profiler/gpu-protocol.js";
import { DEFAULT_SETTINGS, normalizeSettings } from "../../../src/measure/profiler/measure-settings.js";

const GiB = 2 ** 30;

describe("the paper's GPU protocol", () => {
  it("measures memory at the paper's batch sizes and searches up to batch 4096 on a GPU, 128 on a CPU", () => {
    expect(MEMORY_BATCH_SIZES).toEqual([1, 32, 64, 128]);
    expect(maxBatchSizeFor("webgpu", null)).toBe(4096);
    expect(maxBatchSizeFor("cuda", null)).toBe(4096);
    expect(maxBatchSizeFor("cpu", null)).toBe(128);
    expect(maxBatchSizeFor("webgpu", 64)).toBe(64);
    expect(gpuProtocol("webgpu")).toMatchObject({ precision: expect.stringContaining("fp32") });
    expect(gpuProtocol("webgpu").timing).toMatch(/read back to the CPU/);
  });

  it("leaves 500 MB of the GPU free for the throughput search (none where the memory is unknown)", () => {
    expect(gpuMemoryBudget(141 * GiB)).toBe(141 * GiB - GPU_MEMORY_RESERVE_BYTES);
    expect(gpuMemoryBudget(0)).toBeNull();
    expect(gpuMemoryBudget(null)).toBeNull();
  });

  it("stops growing the batch before the predicted peak passes the budget, keeping the fastest power of two", async () => {
    // 1 GiB per image on an 8 GiB budget: 1, 2, 4 run; 8 would need 8 GiB + the base and is never started.
    const tried: number[] = [];
    const result = await searchBatchSize(
      async (b) => {
        tried.push(b);
        return {
          ok: true,
          trial: { batchSize: b, imagesPerSecond: 100 * Math.sqrt(b), peakBytes: 0.5 * GiB + b * GiB },
        };
      },
      { maxBatchSize: 4096, minGain: 0.02, patience: 2, memoryBudgetBytes: 8 * GiB, searchBudgetMs: 60_000 },
    );
    expect(tried).toEqual([1, 2, 4]);
    expect(result.stoppedBy).toBe("memory-budget");
    expect(result.best?.batchSize).toBe(4);
    // A batch that fails out of memory ends the search; the best so far stands.
    const oom = await searchBatchSize(
      async (b) =>
        b >= 16
          ? { ok: false, reason: "out-of-memory", message: "Failed to allocate memory" }
          : { ok: true, trial: { batchSize: b, imagesPerSecond: b * 10, peakBytes: null } },
      { maxBatchSize: 4096, minGain: 0.02, patience: 2, memoryBudgetBytes: null, searchBudgetMs: 60_000 },
    );
    expect(oom).toMatchObject({ stoppedBy: "out-of-memory", best: { batchSize: 8 } });
  });

  it("never tries a WebGPU batch whose largest tensor would not fit one 2 GiB buffer binding", () => {
    // ViT-B/16 at 224: the MLP's hidden activations, 197 × 3072 float32 = 2,420,736 bytes per image.
    expect(webgpuBatchLimit(2_420_736)).toMatchObject({ maxBatchSize: 887 });
    expect(webgpuBatchLimit(2_420_736)?.reason).toMatch(
      /2\.31 MiB per image .* 2\.00 GiB, so batches above 887/,
    );
    expect(webgpuBatchLimit(3 * 2 ** 30)?.maxBatchSize).toBe(1);
    expect(webgpuBatchLimit(null)).toBeNull();
    expect(webgpuBatchLimit(0)).toBeNull();
  });

  it("tells outputs that cannot be real results (all zeros, non-finite) from plausible ones", () => {
    expect(implausibleOutputs({ logits: { data: new Float32Array([0.1, -2, 3]) } })).toBeNull();
    expect(implausibleOutputs({ logits: { data: new Float32Array(4) } })).toBe(
      "output logits is all zeros (4 elements)",
    );
    expect(implausibleOutputs({ logits: { data: new Float32Array([1, Number.NaN]) } })).toMatch(
      /output logits holds a non-finite value \(NaN\) at element 1/,
    );
    expect(implausibleOutputs({ ids: { data: new BigInt64Array(3) } })).toBeNull();
  });

  it("gives WebGPU timing loops at least the warm-up runs that compile the shaders, and leaves other providers alone", () => {
    const webgpu = { ...DEFAULT_SETTINGS.webgpu, warmupRuns: 5 };
    const rule = { ...DEFAULT_SETTINGS.throughput.search, warmupRuns: 1 };
    expect(effectiveStopRule(rule, "webgpu", webgpu).warmupRuns).toBe(5);
    expect(effectiveStopRule({ ...rule, warmupRuns: 10 }, "webgpu", webgpu).warmupRuns).toBe(10);
    expect(effectiveStopRule(rule, "cuda", webgpu)).toBe(rule);
    expect(effectiveStopRule(rule, "cpu", webgpu)).toBe(rule);
  });

  it("reads the process's GPU memory from nvidia-smi where it lists the pid, else the GPU's used memory", () => {
    const rows = [
      { pid: 42, gpuUuid: "GPU-a", usedBytes: 300 },
      { pid: 42, gpuUuid: "GPU-a", usedBytes: 200 },
      { pid: 7, gpuUuid: "GPU-a", usedBytes: 9_000 },
    ];
    expect(readGpuMemory(rows, 42, 12_345)).toEqual({ bytes: 500, method: "nvidia-smi-pid" });
    expect(readGpuMemory(rows, 43, 12_345)).toEqual({ bytes: 12_345, method: "nvidia-smi-device" });
    expect(readGpuMemory([], 43, null)).toBeNull();
    expect(
      memoryAboveLoaded(
        { bytes: 1_000, method: "nvidia-smi-device" },
        { bytes: 4_000, method: "nvidia-smi-device" },
      ),
    ).toBe(3_000);
    expect(
      memoryAboveLoaded({ bytes: 5, method: "nvidia-smi-pid" }, { bytes: 4, method: "nvidia-smi-pid" }),
    ).toBe(0);
    expect(() =>
      memoryAboveLoaded({ bytes: 5, method: "nvidia-smi-pid" }, { bytes: 9, method: "nvidia-smi-device" }),
    ).toThrow(/read two ways/);
  });

  it("turns validation off for timing, keeps the layout, and sets session.disable_cpu_ep_fallback only when refusing", () => {
    const settings = normalizeSettings({});
    expect(settings.webgpu).toEqual({
      validationMode: "disabled",
      preferredLayout: "NCHW",
      cpuFallback: "record",
      warmupRuns: 5,
      forceCpuNodeNames: [],
    });
    expect(webgpuSessionOptions(webgpuOptions(settings.webgpu), 0)).toEqual({
      executionProviders: [{ name: "webgpu", validationMode: "disabled", preferredLayout: "NCHW" }],
    });
    const refuse = normalizeSettings({ webgpu: { cpuFallback: "refuse", preferredLayout: "NHWC" } });
    expect(webgpuSessionOptions(webgpuOptions(refuse.webgpu), 1)).toEqual({
      executionProviders: [
        { name: "webgpu", validationMode: "disabled", preferredLayout: "NHWC", deviceId: 1 },
      ],
      extra: { session: { disable_cpu_ep_fallback: "1" } },
    });
    expect(() => normalizeSettings({ webgpu: { validationMode: "none" as "full" } })).toThrow(
      /webgpu.validationMode must be/,
    );
    expect(() => normalizeSettings({ webgpu: { cpuFallback: "allow" as "record" } })).toThrow(
      /webgpu.cpuFallback/,
    );
  });

  it("runs GPU work one piece at a time, in order, also when a piece fails", async () => {
    const queue = new GpuQueue();
    const order: string[] = [];
    const piece = (name: string, ms: number, fail = false) =>
      queue.run(async () => {
        order.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([piece("a", 30), piece("b", 5, true), piece("c", 1)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(order).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(queue.maxConcurrent).toBe(1);
  });
});

describe("WebGPU devices", () => {
  const cpu: CpuDescription = {
    model: "AMD EPYC 9654",
    arch: "x64",
    logicalCores: 16,
    availableCores: 16,
    physicalCores: 16,
    cgroupCpuLimit: null,
    isaFlags: ["avx2"],
    memoryBytes: 128 * GiB,
    cgroupMemoryLimitBytes: null,
  };
  const h200 = {
    index: 0,
    name: "NVIDIA H200",
    uuid: "GPU-1",
    memoryBytes: 143_771 * 2 ** 20,
    driverVersion: "570",
  };

  it("are devices of their own beside the same GPU under CUDA, whose ids stay as they were", () => {
    const cuda = deviceId("gpu", cpu, h200);
    expect(deviceId("gpu", cpu, h200, "cuda")).toBe(cuda);
    const webgpu = deviceId("gpu", cpu, h200, "webgpu");
    expect(webgpu).toMatch(/^gpu-[0-9a-f]{16}$/);
    expect(webgpu).not.toBe(cuda);
    expect(deviceId("gpu", cpu, { ...h200, driverVersion: "580" }, "webgpu")).toBe(webgpu);
  });

  it("are measured with the provider their description names", () => {
    expect(providerOfDevice({ kind: "cpu", description: {} })).toBe("cpu");
    expect(providerOfDevice({ kind: "gpu", description: {} })).toBe("cuda");
    expect(providerOfDevice({ kind: "gpu", description: { provider: "webgpu" } })).toBe("webgpu");
  });
});
