import { describe, expect, it } from "vitest";

import type { CpuDescription } from "../../../src/measure/device/index.js";
import {
  countPhysicalCores,
  describeCpu,
  describeDevice,
  deviceId,
  isaFlags,
  parseGpuList,
  parseGpuProcessMemory,
} from "../../../src/measure/device/index.js";

const cpu: CpuDescription = {
  model: "Intel(R) Xeon(R) Platinum 8480+",
  arch: "x64",
  logicalCores: 16,
  availableCores: 16,
  physicalCores: 8,
  cgroupCpuLimit: null,
  isaFlags: ["avx2", "avx512f"],
  memoryBytes: 128 * 2 ** 30 - 3 * 2 ** 20,
  cgroupMemoryLimitBytes: null,
};
const h200 = {
  index: 0,
  name: "NVIDIA H200",
  uuid: "GPU-aaaa",
  memoryBytes: 143_771 * 2 ** 20,
  driverVersion: "570.86.15",
};

describe("deviceId", () => {
  it("is stable across volatile fields: memory jitter, driver, GPU UUID, ISA flag order", () => {
    const a = deviceId("gpu", cpu, h200);
    expect(a).toMatch(/^gpu-[0-9a-f]{16}$/);
    expect(
      deviceId("gpu", { ...cpu, memoryBytes: 128 * 2 ** 30 + 2 ** 20, isaFlags: ["avx512f", "avx2"] }, h200),
    ).toBe(a);
    expect(deviceId("gpu", cpu, { ...h200, uuid: "GPU-bbbb", driverVersion: "580.1", index: 3 })).toBe(a);
  });

  it("differs for different hardware, core limits and kinds", () => {
    const base = deviceId("cpu", cpu, null);
    expect(base).toMatch(/^cpu-/);
    expect(deviceId("cpu", { ...cpu, model: "AMD EPYC 9654" }, null)).not.toBe(base);
    expect(deviceId("cpu", { ...cpu, availableCores: 4 }, null)).not.toBe(base);
    expect(deviceId("cpu", { ...cpu, cgroupCpuLimit: 2 }, null)).not.toBe(base);
    expect(deviceId("cpu", { ...cpu, memoryBytes: 64 * 2 ** 30 }, null)).not.toBe(base);
    expect(deviceId("gpu", cpu, { ...h200, name: "NVIDIA A100-SXM4-40GB" })).not.toBe(
      deviceId("gpu", cpu, h200),
    );
    expect(deviceId("gpu", cpu, h200).slice(4)).not.toBe(base.slice(4));
  });
});

describe("describeDevice", () => {
  it("describes this machine's CPU with versions, and its id matches the hardware", () => {
    const d = describeDevice("cpu");
    expect(d.kind).toBe("cpu");
    expect(d.gpu).toBeNull();
    expect(d.cpu.logicalCores).toBeGreaterThan(0);
    expect(d.cpu.memoryBytes).toBeGreaterThan(0);
    expect(d.runtime).toEqual({ node: process.version, onnxruntime: "1.30.0" });
    expect(d.id).toBe(deviceId("cpu", describeCpu(), null));
    expect(d.name).toContain(d.cpu.model);
  });

  it("refuses a GPU that nvidia-smi does not list", () => {
    expect(() => describeDevice("gpu", 99)).toThrow(/no NVIDIA GPU found|no GPU with index 99/);
  });
});

describe("/proc/cpuinfo parsing", () => {
  const info = [
    "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\nflags\t\t: fpu sse4_2 avx avx2 avx512f amx_tile",
    "processor\t: 1\nphysical id\t: 0\ncore id\t\t: 0\nflags\t\t: fpu sse4_2 avx avx2 avx512f amx_tile",
    "processor\t: 2\nphysical id\t: 0\ncore id\t\t: 1\nflags\t\t: fpu",
    "processor\t: 3\nphysical id\t: 1\ncore id\t\t: 0\nflags\t\t: fpu",
  ].join("\n\n");

  it("counts distinct physical cores, null without topology", () => {
    expect(countPhysicalCores(info)).toBe(3);
    expect(countPhysicalCores("processor : 0\nflags : fpu")).toBeNull();
  });

  it("keeps the instruction sets that change kernels", () => {
    expect(isaFlags(info)).toEqual(["amx_tile", "avx", "avx2", "avx512f"]);
    expect(isaFlags("Features\t: fp asimd sve i8mm")).toEqual(["asimd", "i8mm", "sve"]);
    expect(isaFlags("")).toEqual([]);
  });
});

describe("nvidia-smi parsing", () => {
  it("reads the GPU list in index order", () => {
    const csv =
      "1, NVIDIA A100-SXM4-40GB, GPU-2222, 40960, 535.104.05\n0, NVIDIA H200, GPU-1111, 143771, 570.86.15\n";
    expect(parseGpuList(csv)).toEqual([
      {
        index: 0,
        name: "NVIDIA H200",
        uuid: "GPU-1111",
        memoryBytes: 143771 * 2 ** 20,
        driverVersion: "570.86.15",
      },
      {
        index: 1,
        name: "NVIDIA A100-SXM4-40GB",
        uuid: "GPU-2222",
        memoryBytes: 40960 * 2 ** 20,
        driverVersion: "535.104.05",
      },
    ]);
    expect(parseGpuList("")).toEqual([]);
    expect(parseGpuList("No devices were found")).toEqual([]);
  });

  it("reads per-process memory and skips rows without a figure", () => {
    const csv = "4242, GPU-1111, 1024\n77, GPU-1111, [N/A]\n";
    expect(parseGpuProcessMemory(csv)).toEqual([
      { pid: 4242, gpuUuid: "GPU-1111", usedBytes: 1024 * 2 ** 20 },
    ]);
  });
});
