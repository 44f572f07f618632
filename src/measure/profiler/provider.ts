import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { listGpus } from "../device/nvidia-smi.js";
import type { WebGpuAvailability, WebGpuProbeResult } from "./webgpu-probe.js";
import { DEFAULT_WEBGPU_OPTIONS, probeWebGpuSync, webgpuAvailability } from "./webgpu-probe.js";

/** The execution provider a caller asks for. */
export type RequestedProvider = "cpu" | "cuda" | "webgpu" | "auto";

/** The execution provider that runs. */
export type Provider = "cpu" | "cuda" | "webgpu";

/** Every provider that runs, in the order `auto` prefers them (GPU first). */
export const PROVIDERS: readonly Provider[] = ["cuda", "webgpu", "cpu"];

/** Every provider a caller may ask for. */
export const REQUESTED_PROVIDERS: readonly RequestedProvider[] = ["cpu", "cuda", "webgpu", "auto"];

/** True for the providers that run on a GPU (cuda, webgpu). */
export function isGpuProvider(provider: Provider): boolean {
  return provider !== "cpu";
}

/** Where the CUDA execution provider stands on this machine. */
export interface CudaAvailability {
  /** True when onnxruntime-node's CUDA provider libraries are installed next to its binding. */
  readonly binaries: boolean;
  /** Number of GPUs nvidia-smi lists. */
  readonly gpus: number;
  /** Why CUDA cannot run here; null when it can. */
  readonly problem: string | null;
}

/** The provider chosen for a request, and why. */
export interface ProviderChoice {
  readonly requested: RequestedProvider;
  readonly provider: Provider;
  /** Why `auto` chose what it chose; null for an explicit request. */
  readonly reason: string | null;
}

/** How to install the CUDA binaries, for error messages and docs. */
export const CUDA_INSTALL_HINT =
  "install onnxruntime-node's CUDA 12 binaries with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci`, or offline with " +
  "`npm run ort:cuda -- --from Microsoft.ML.OnnxRuntime.Gpu.Linux.<version>.nupkg` " +
  "(needs CUDA 12 and cuDNN 9 on the library path, and an NVIDIA driver)";

const CUDA_LIBRARIES = ["libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so"];

/** A provider was asked for that cannot run on this machine. */
export class ProviderUnavailableError extends Error {
  override readonly name = "ProviderUnavailableError";
  constructor(
    readonly provider: Provider,
    message: string,
    /** What is missing, for clients (`cuda-binaries`, `gpu`, `vulkan-loader`, `adapter`, …). */
    readonly missing: string | null = null,
  ) {
    super(message);
  }
}

/**
 * Returns whether the CUDA execution provider can run here: its shared libraries are present in
 * onnxruntime-node's binary folder (the npm package ships CPU binaries only; its install script downloads
 * the CUDA ones from NuGet), nvidia-smi lists a GPU, and the libraries load: one probe child creates a CUDA session
 * on a tiny graph (CUDA 12 and cuDNN 9 must be on the library path), once per process.
 */
export function cudaAvailability(): CudaAvailability {
  const dir = onnxruntimeBinaryDir();
  const missing = CUDA_LIBRARIES.filter((lib) => !existsSync(path.join(dir, lib)));
  const gpus = process.platform === "linux" ? listGpus().length : 0;
  let problem: string | null = null;
  if (process.platform !== "linux" || process.arch !== "x64") {
    problem = `onnxruntime-node ships the CUDA provider for linux/x64 only, not ${process.platform}/${process.arch}`;
  } else if (missing.length > 0) {
    problem = `onnxruntime-node's CUDA provider is not installed (${missing.join(", ")} missing in ${dir}); ${CUDA_INSTALL_HINT}`;
  } else if (gpus === 0) {
    problem = "no NVIDIA GPU found (nvidia-smi is missing or lists none)";
  } else {
    problem = cudaLoadProblem(cudaProbe());
  }
  return { binaries: missing.length === 0, gpus, problem };
}

let cudaProbeResult: WebGpuProbeResult | null = null;

function cudaProbe(): WebGpuProbeResult {
  cudaProbeResult ??= probeWebGpuSync({
    graphPath: null,
    options: DEFAULT_WEBGPU_OPTIONS,
    run: true,
    provider: "cuda",
  });
  return cudaProbeResult;
}

/**
 * Returns why a CUDA probe shows the provider cannot run (its libraries did not load, e.g. cuDNN 9 or CUDA 12
 * missing, or the session put every node on the CPU), or null when a CUDA session ran.
 */
export function cudaLoadProblem(probe: WebGpuProbeResult): string | null {
  if (!probe.ok)
    return `the CUDA provider's libraries are installed but do not load (${(probe.error ?? probe.problem ?? "the probe failed").split("\n")[0].slice(0, 400)}); CUDA 12 and cuDNN 9 must be on the library path`;
  const counts = probe.nodeCounts;
  if (Object.keys(counts).length > 0 && !(counts.CUDAExecutionProvider > 0))
    return "the CUDA provider loaded but onnxruntime placed no node on it (every node ran on the CPU)";
  return null;
}

/**
 * Returns the provider to run for a request: `cpu` as is; `cuda` only where {@link cudaAvailability} finds no
 * problem; `webgpu` only where {@link webgpuAvailability} finds an adapter; `auto` picks cuda where its binaries
 * load, else webgpu where an adapter is found, else cpu, saying why.
 *
 * @throws ProviderUnavailableError when `cuda` or `webgpu` is asked for and cannot run: never a silent CPU run.
 */
export function chooseProvider(
  requested: RequestedProvider,
  cuda: () => CudaAvailability = cudaAvailability,
  webgpu: () => WebGpuAvailability = webgpuAvailability,
): ProviderChoice {
  switch (requested) {
    case "cpu":
      return { requested, provider: "cpu", reason: null };
    case "cuda": {
      const c = cuda();
      if (c.problem !== null)
        throw new ProviderUnavailableError(
          "cuda",
          `the cuda execution provider is unavailable: ${c.problem}`,
          cudaMissing(c),
        );
      return { requested, provider: "cuda", reason: null };
    }
    case "webgpu": {
      const w = webgpu();
      if (w.problem !== null)
        throw new ProviderUnavailableError(
          "webgpu",
          `the webgpu execution provider is unavailable: ${w.problem}`,
          w.missing,
        );
      return { requested, provider: "webgpu", reason: null };
    }
    case "auto": {
      const c = cuda();
      if (c.problem === null)
        return { requested, provider: "cuda", reason: "cuda binaries and a GPU are present" };
      const w = webgpu();
      if (w.problem === null)
        return {
          requested,
          provider: "webgpu",
          reason: `cuda cannot run: ${c.problem}; webgpu found an adapter (${w.adapter ?? "unnamed"})`,
        };
      return {
        requested,
        provider: "cpu",
        reason: `cuda cannot run: ${c.problem}; webgpu cannot run: ${w.problem}`,
      };
    }
    default:
      throw new RangeError(
        `unknown provider ${JSON.stringify(requested)}; use ${REQUESTED_PROVIDERS.join(", ")}`,
      );
  }
}

function cudaMissing(a: CudaAvailability): string {
  if (!a.binaries) return "cuda-binaries";
  if (a.gpus === 0) return "gpu";
  return "platform";
}

/** Returns the folder holding onnxruntime-node's native binding for this platform. */
export function onnxruntimeBinaryDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("onnxruntime-node");
  return path.join(path.dirname(main), "..", "bin", "napi-v6", process.platform, process.arch);
}
