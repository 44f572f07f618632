import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

import type { GpuInfo } from "./nvidia-smi.js";
import { listGpus } from "./nvidia-smi.js";
import type { VulkanDeviceSummary } from "./webgpu.js";
import { findVulkanLoader, readVulkanSummary, vulkanDriverFiles } from "./webgpu.js";

/** How a GPU device is driven: onnxruntime's CUDA provider, or its WebGPU provider (Dawn over Vulkan). */
export type GpuApi = "cuda" | "webgpu";

/** What a WebGPU device runs through (file names only: no host paths leave the machine). */
export interface WebGpuDeviceInfo {
  /** Dawn's backend on this platform (Vulkan on Linux). */
  readonly backend: string;
  /** The Vulkan loader's file name, or null where none was found. */
  readonly vulkanLoader: string | null;
  /** The Vulkan driver manifests' file names (e.g. nvidia_icd.json). */
  readonly driverFiles: string[];
  /** `vulkaninfo --summary`'s first GPU, where vulkaninfo is installed. */
  readonly vulkanDevice: VulkanDeviceSummary | null;
}

/** The CPU and memory of the measuring machine as this process sees them. */
export interface CpuDescription {
  readonly model: string;
  readonly arch: string;
  /** Logical CPUs of the machine (os.cpus()). */
  readonly logicalCores: number;
  /** CPUs this process may use (affinity; os.availableParallelism()). */
  readonly availableCores: number;
  /** Physical cores from /proc/cpuinfo (distinct physical id + core id); null where unknown. */
  readonly physicalCores: number | null;
  /** CPU quota of the cgroup in cores (cpu.max), null when unlimited or unknown. */
  readonly cgroupCpuLimit: number | null;
  /** Vector/matrix instruction sets that change kernel choice (avx2, avx512f, avx512_vnni, amx_*, …). */
  readonly isaFlags: string[];
  readonly memoryBytes: number;
  /** Memory limit of the cgroup (memory.max), null when unlimited or unknown. */
  readonly cgroupMemoryLimitBytes: number | null;
}

/** Everything recorded about the device that ran a measurement. */
export interface DeviceDescription {
  /** Stable id from the hardware fields only (see {@link deviceId}). */
  readonly id: string;
  readonly kind: "cpu" | "gpu";
  /** Short human name: the GPU's name, or the CPU model with its usable cores. */
  readonly name: string;
  readonly cpu: CpuDescription;
  /** The GPU that ran the measurement (kind "gpu" only). */
  readonly gpu: GpuInfo | null;
  readonly os: { readonly platform: string; readonly release: string; readonly distribution: string | null };
  readonly runtime: { readonly node: string; readonly onnxruntime: string };
  /** The provider a GPU device is measured with (`webgpu` devices are distinct from the same GPU under CUDA). */
  readonly provider?: GpuApi;
  /** The WebGPU path (webgpu devices only). */
  readonly webgpu?: WebGpuDeviceInfo;
}

/**
 * Returns the description of this machine as a measuring device: the CPU (kind "cpu"), or the GPU
 * `gpuIndex` as nvidia-smi lists it (kind "gpu"), with OS and runtime versions. With `api: "webgpu"` the GPU is the
 * WebGPU adapter: nvidia-smi's GPU where there is one (name, driver, memory), else the Vulkan device vulkaninfo
 * names; its id and name differ from the same GPU's under CUDA (figures of two providers never mix).
 *
 * @throws Error when kind "gpu" is asked for and nvidia-smi lists no GPU with that index (for cuda).
 */
export function describeDevice(
  kind: "cpu" | "gpu" = "cpu",
  gpuIndex = 0,
  api: GpuApi = "cuda",
): DeviceDescription {
  if (kind === "gpu" && api === "webgpu") return describeWebGpuDevice(gpuIndex);
  const cpu = describeCpu();
  let gpu: GpuInfo | null = null;
  if (kind === "gpu") {
    const gpus = listGpus();
    gpu = gpus.find((g) => g.index === gpuIndex) ?? null;
    if (gpu === null) {
      throw new Error(
        gpus.length === 0
          ? "no NVIDIA GPU found: nvidia-smi is missing or lists none"
          : `no GPU with index ${gpuIndex}; nvidia-smi lists ${gpus.map((g) => g.index).join(", ")}`,
      );
    }
  }
  const name = gpu !== null ? gpu.name : `${cpu.model} (${cpu.availableCores} cores)`;
  return {
    id: deviceId(kind, cpu, gpu),
    kind,
    name,
    cpu,
    gpu,
    os: { platform: os.platform(), release: os.release(), distribution: readDistribution() },
    runtime: { node: process.version, onnxruntime: onnxruntimeVersion() },
  };
}

/** Returns the device a provider measures on: the CPU for cpu, GPU `gpuIndex` for cuda, the WebGPU adapter for webgpu. */
export function describeProviderDevice(provider: "cpu" | GpuApi, gpuIndex = 0): DeviceDescription {
  return provider === "cpu" ? describeDevice("cpu") : describeDevice("gpu", gpuIndex, provider);
}

/** Returns the WebGPU device `gpuIndex` of this machine (see {@link describeDevice}). */
function describeWebGpuDevice(gpuIndex: number): DeviceDescription {
  const cpu = describeCpu();
  const vulkan = readVulkanSummary();
  const vulkanDevice = vulkan?.[gpuIndex] ?? vulkan?.[0] ?? null;
  const smi = listGpus().find((g) => g.index === gpuIndex) ?? null;
  const gpu: GpuInfo = smi ?? {
    index: gpuIndex,
    name: vulkanDevice?.deviceName ?? "WebGPU adapter",
    uuid: "",
    memoryBytes: 0,
    driverVersion: vulkanDevice?.driverInfo ?? "unknown",
  };
  const loader = findVulkanLoader();
  return {
    id: deviceId("gpu", cpu, gpu, "webgpu"),
    kind: "gpu",
    name: `${gpu.name} (WebGPU)`,
    cpu,
    gpu,
    os: { platform: os.platform(), release: os.release(), distribution: readDistribution() },
    runtime: { node: process.version, onnxruntime: onnxruntimeVersion() },
    provider: "webgpu",
    webgpu: {
      backend: os.platform() === "linux" ? "vulkan" : "dawn-default",
      vulkanLoader: loader === null ? null : path.basename(loader),
      driverFiles: vulkanDriverFiles().map((f) => path.basename(f)),
      vulkanDevice,
    },
  };
}

/**
 * Returns a stable device id: `cpu-` or `gpu-` and the first 16 hex digits of the SHA-256 of the hardware
 * fields only (CPU model, arch, core counts, ISA flags, memory rounded to GiB, cgroup limits; for a GPU also
 * its name and memory; for a WebGPU device also the API, so it differs from the same GPU under CUDA). Versions,
 * OS, driver, hostname and GPU UUID are left out, so an upgrade keeps the id and two identical machines share one;
 * a different CPU, core limit or GPU always gets another.
 */
export function deviceId(
  kind: "cpu" | "gpu",
  cpu: CpuDescription,
  gpu: GpuInfo | null,
  api: GpuApi = "cuda",
): string {
  const hardware = {
    kind,
    cpu: {
      model: cpu.model,
      arch: cpu.arch,
      logicalCores: cpu.logicalCores,
      availableCores: cpu.availableCores,
      physicalCores: cpu.physicalCores,
      cgroupCpuLimit: cpu.cgroupCpuLimit,
      isaFlags: [...cpu.isaFlags].sort(),
      // Rounded: the kernel's reserve shifts MemTotal by a few MiB between boots.
      memoryGiB: Math.round(cpu.memoryBytes / 2 ** 30),
      cgroupMemoryLimitGiB:
        cpu.cgroupMemoryLimitBytes === null ? null : Math.round(cpu.cgroupMemoryLimitBytes / 2 ** 30),
    },
    gpu: gpu === null ? null : { name: gpu.name, memoryGiB: Math.round(gpu.memoryBytes / 2 ** 30) },
    // Only WebGPU devices carry the API, so CUDA devices keep the ids they had before WebGPU existed.
    ...(kind === "gpu" && api === "webgpu" ? { api } : {}),
  };
  return `${kind}-${createHash("sha256").update(JSON.stringify(hardware)).digest("hex").slice(0, 16)}`;
}

/** Returns the CPU description of this machine. */
export function describeCpu(): CpuDescription {
  const cpus = os.cpus();
  const info = readText("/proc/cpuinfo");
  return {
    model: (cpus[0]?.model ?? "unknown CPU").replace(/\s+/g, " ").trim(),
    arch: os.arch(),
    logicalCores: cpus.length,
    availableCores: os.availableParallelism(),
    physicalCores: info === null ? null : countPhysicalCores(info),
    cgroupCpuLimit: readCgroupCpuLimit(),
    isaFlags: info === null ? [] : isaFlags(info),
    memoryBytes: os.totalmem(),
    cgroupMemoryLimitBytes: readCgroupMemoryLimit(),
  };
}

/** Returns the version of the installed onnxruntime-node package (read from its package.json). */
export function onnxruntimeVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("onnxruntime-node");
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(main), "..", "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Returns the number of distinct (physical id, core id) pairs in /proc/cpuinfo text; null when absent. */
export function countPhysicalCores(cpuinfo: string): number | null {
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block);
    const core = /^core id\s*:\s*(\d+)/m.exec(block);
    if (physical && core) cores.add(`${physical[1]}:${core[1]}`);
  }
  return cores.size === 0 ? null : cores.size;
}

const ISA_FLAGS =
  /^(avx|avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512_vnni|avx_vnni|avx512_bf16|avx512_fp16|amx_tile|amx_int8|amx_bf16|asimd|sve|sve2|i8mm|bf16)$/;

/** Returns the instruction-set flags of the first CPU in /proc/cpuinfo text that change kernel choice. */
export function isaFlags(cpuinfo: string): string[] {
  const line = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  if (!line) return [];
  return [...new Set(line[1].split(/\s+/).filter((f) => ISA_FLAGS.test(f)))].sort();
}

function readCgroupCpuLimit(): number | null {
  const text = readText("/sys/fs/cgroup/cpu.max");
  const m = text === null ? null : /^(\d+)\s+(\d+)/.exec(text.trim());
  return m ? Number(m[1]) / Number(m[2]) : null;
}

function readCgroupMemoryLimit(): number | null {
  const text = readText("/sys/fs/cgroup/memory.max")?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

function readDistribution(): string | null {
  const text = readText("/etc/os-release");
  const m = text === null ? null : /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return m ? m[1] : null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}
