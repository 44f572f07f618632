/**
 * Whether onnxruntime-node's WebGPU provider can run here, and what it does with a graph. The probe creates one
 * WebGPU session in a child process (Dawn can crash or hang; two WebGPU sessions in one process have crashed on
 * Linux/Vulkan) with onnxruntime's verbose log on, and reads the child's stderr: Dawn's Vulkan load error, the
 * adapter error, the EP's configuration, and the node placements (which operators fell back to the CPU).
 */
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { CpuFallbackOp, WebGpuLogFacts } from "../device/webgpu.js";
import {
  cpuFallbackOps,
  findVulkanLoader,
  gpuDriverFiles,
  parseWebGpuLog,
  VULKAN_LOADER,
  vulkanDriverFiles,
} from "../device/webgpu.js";

/** Prefix of the probe child's one result line. */
export const PROBE_MARKER = "@@favor-webgpu-probe@@ ";

/** The WebGPU provider's options, as onnxruntime-node takes them (`executionProviders: [{ name: "webgpu", … }]`). */
export interface WebGpuEpOptions {
  readonly validationMode: "disabled" | "wgpuOnly" | "basic" | "full";
  readonly preferredLayout: "NCHW" | "NHWC";
  /** `session.disable_cpu_ep_fallback`: session creation fails when a node would run on the CPU. */
  readonly disableCpuFallback: boolean;
  readonly forceCpuNodeNames?: readonly string[];
}

/** What the probe child is asked to do. */
export interface WebGpuProbeRequest {
  /** The graph to place; null: a tiny built-in graph (MatMul, Add, Relu, Softmax). */
  readonly graphPath: string | null;
  readonly options: WebGpuEpOptions;
  /** Also run the graph once at batch 1 (compiles its shaders; proves the device works). */
  readonly run: boolean;
  /** The provider to place the graph on (default webgpu); cuda checks that its libraries load, cpu is for tests. */
  readonly provider?: "webgpu" | "cuda" | "cpu";
}

/** What a probe found. */
export interface WebGpuProbeResult {
  readonly ok: boolean;
  /** What is missing when not ok: `vulkan-loader`, `adapter`, `device`, `cpu-fallback` (refused), `error`. */
  readonly missing: string | null;
  /** Why WebGPU cannot run this, in words; null when ok. */
  readonly problem: string | null;
  /** The message onnxruntime threw, if any. */
  readonly error: string | null;
  readonly log: WebGpuLogFacts;
  /** Operators placed on the CPU provider (by op type), from the placement report. */
  readonly cpuFallbackOps: readonly CpuFallbackOp[];
  /** Node count per provider, from the placement report. */
  readonly nodeCounts: Readonly<Record<string, number>>;
  readonly wallMs: number;
}

/** Where the WebGPU provider stands on this machine. */
export interface WebGpuAvailability {
  /** Path of the Vulkan loader found, or null. */
  readonly loader: string | null;
  /** Vulkan driver manifests the loader would read (software rasterisers included). */
  readonly driverFiles: readonly string[];
  /** A short description of the adapter found (from the probe's log), or null. */
  readonly adapter: string | null;
  /** What is missing (`vulkan-loader`, `adapter`, `platform`, …); null when WebGPU can run. */
  readonly missing: string | null;
  /** Why WebGPU cannot run here; null when it can. */
  readonly problem: string | null;
  /** The probe that decided it (null when no probe ran: e.g. no loader). */
  readonly probe: WebGpuProbeResult | null;
}

const PROBE_TIMEOUT_MS = 60_000;

/** The default EP options of a probe (and of timing runs: validation off, NCHW, CPU fallback recorded). */
export const DEFAULT_WEBGPU_OPTIONS: WebGpuEpOptions = {
  validationMode: "disabled",
  preferredLayout: "NCHW",
  disableCpuFallback: false,
};

let cached: WebGpuAvailability | null = null;

/**
 * Returns whether the WebGPU provider can run here: on Linux the Vulkan loader must be found (no process is
 * started otherwise), then one probe child must create a WebGPU session on a tiny graph and run it. Cached for
 * the life of the process (`refresh` probes again).
 */
export function webgpuAvailability(refresh = false): WebGpuAvailability {
  if (cached !== null && !refresh) return cached;
  cached = decideAvailability(process.platform, process.arch, findVulkanLoader(), vulkanDriverFiles(), () =>
    probeWebGpuSync({ graphPath: null, options: DEFAULT_WEBGPU_OPTIONS, run: true }),
  );
  return cached;
}

/**
 * Returns the availability from the facts (pure but for `probe`, which is called only when the loader is there).
 * The problem names what is missing: the loader (libvulkan.so.1), or an adapter (with Dawn's reason and whether a
 * GPU driver's Vulkan manifest was found).
 */
export function decideAvailability(
  platform: string,
  arch: string,
  loader: string | null,
  driverFiles: readonly string[],
  probe: () => WebGpuProbeResult,
): WebGpuAvailability {
  const base = { loader, driverFiles: [...driverFiles], adapter: null, probe: null };
  if (!((platform === "linux" || platform === "win32") && arch === "x64")) {
    return {
      ...base,
      missing: "platform",
      problem: `onnxruntime-node bundles the WebGPU provider for linux/x64 and win32/x64 only, not ${platform}/${arch}`,
    };
  }
  if (platform === "linux" && loader === null) {
    return {
      ...base,
      missing: "vulkan-loader",
      problem:
        `no Vulkan loader: ${VULKAN_LOADER} was not found (install the libvulkan1 package, or unpack it and put ` +
        "its folder on LD_LIBRARY_PATH; scripts/gpu-prepare.sh does that)",
    };
  }
  const result = probe();
  if (result.ok) {
    const backend = result.log.config.dawnBackendType;
    return {
      ...base,
      adapter: `Dawn/${platform === "linux" ? "Vulkan" : "default"} adapter${backend ? ` (backend type ${backend})` : ""}`,
      missing: null,
      problem: null,
      probe: result,
    };
  }
  let problem = result.problem ?? "the WebGPU probe failed";
  if (result.missing === "adapter" && platform === "linux" && gpuDriverFiles(driverFiles).length === 0) {
    problem +=
      driverFiles.length === 0
        ? "; no Vulkan driver manifest (*_icd.json) was found: on an NVIDIA host set VK_DRIVER_FILES to the driver's nvidia_icd.json"
        : "; only software Vulkan drivers were found (lavapipe), which Dawn rejects";
  }
  return { ...base, missing: result.missing, problem, probe: result };
}

/** Returns the availability a test sets (null restores probing). For tests of callers. */
export function setWebGpuAvailabilityForTests(value: WebGpuAvailability | null): void {
  cached = value;
}

/** Creates a WebGPU session in a child process and returns what it found (blocking; for the one availability probe). */
export function probeWebGpuSync(
  request: WebGpuProbeRequest,
  timeoutMs = PROBE_TIMEOUT_MS,
): WebGpuProbeResult {
  const started = performance.now();
  const { command, args } = probeCommand();
  const out = spawnSync(command, args, {
    input: JSON.stringify(request),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    killSignal: "SIGKILL",
  });
  return interpretProbe(
    out.stdout ?? "",
    out.stderr ?? "",
    out.status,
    out.signal,
    performance.now() - started,
  );
}

/** Creates a WebGPU session in a child process and returns what it found: the placement of `graphPath`'s nodes. */
export function probeWebGpu(
  request: WebGpuProbeRequest,
  options: { timeoutMs?: number; signal?: AbortSignal; env?: Readonly<Record<string, string>> } = {},
): Promise<WebGpuProbeResult> {
  const started = performance.now();
  const { command, args } = probeCommand();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    // The verbose log of a large graph runs to megabytes; the placement report comes after session creation.
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr = (stderr + c).slice(-32 * 1024 * 1024);
    });
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify(request));
    const kill = () => child.kill("SIGKILL");
    const timer = setTimeout(kill, options.timeoutMs ?? PROBE_TIMEOUT_MS);
    options.signal?.addEventListener("abort", kill, { once: true });
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
      resolve(interpretProbe(stdout, stderr, code, signal, performance.now() - started));
    };
    child.on("error", () => done(null, null));
    child.on("close", done);
  });
}

/** Returns the probe's result from the child's output (pure; exported for tests). */
export function interpretProbe(
  stdout: string,
  stderr: string,
  code: number | null,
  signal: NodeJS.Signals | string | null,
  wallMs: number,
): WebGpuProbeResult {
  const log = parseWebGpuLog(stderr);
  const line = stdout.split("\n").find((l) => l.startsWith(PROBE_MARKER));
  let reply: { ok: boolean; error?: string } | null = null;
  if (line) {
    try {
      reply = JSON.parse(line.slice(PROBE_MARKER.length)) as { ok: boolean; error?: string };
    } catch {
      reply = null;
    }
  }
  const error = reply?.error ?? null;
  const facts = {
    error,
    log,
    cpuFallbackOps: cpuFallbackOps(log.placements),
    nodeCounts: log.placements?.counts ?? {},
    wallMs,
  };
  if (reply?.ok) return { ok: true, missing: null, problem: null, ...facts };
  const adapterError =
    log.adapterError ?? (error && /Failed to get a WebGPU adapter:?\s*([^\n]*)/.exec(error)?.[1]);
  if (log.vulkanLoadError !== null && adapterError) {
    return {
      ok: false,
      missing: "vulkan-loader",
      problem: `no Vulkan loader: Dawn could not load Vulkan (${log.vulkanLoadError}), so it found no adapter`,
      ...facts,
    };
  }
  if (adapterError) {
    const why = log.dawnWarnings.length > 0 ? `; Dawn: ${log.dawnWarnings.slice(0, 3).join("; ")}` : "";
    return {
      ok: false,
      missing: "adapter",
      problem: `no WebGPU adapter: Dawn found none ("${adapterError.trim() || "no adapter"}")${why}`,
      ...facts,
    };
  }
  if (
    error &&
    /fallback to CPU EP has been explicitly disabled|assigned to the default CPU EP/i.test(error)
  ) {
    const ops = facts.cpuFallbackOps.map((o) => `${o.op}×${o.count}`).join(", ");
    return {
      ok: false,
      missing: "cpu-fallback",
      problem: `nodes would run on the CPU and session.disable_cpu_ep_fallback is set${ops ? ` (${ops})` : ""}`,
      ...facts,
    };
  }
  if (log.deviceError !== null || (error && /Failed to get a WebGPU device/.test(error))) {
    return {
      ok: false,
      missing: "device",
      problem: `the WebGPU adapter gave no device: ${log.deviceError ?? error}`,
      ...facts,
    };
  }
  const ended = signal ? `signal ${signal}` : `exit code ${code}`;
  return {
    ok: false,
    missing: "error",
    problem: error
      ? `creating a WebGPU session failed: ${firstLine(error)}`
      : `the WebGPU probe died (${ended})`,
    ...facts,
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0].slice(0, 500);
}

function probeCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const entry = path.join(path.dirname(here), `webgpu-probe-child${ext}`);
  if (ext === ".js" || ext === ".mjs") return { command: process.execPath, args: [entry] };
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { command: process.execPath, args: ["--import", loader, entry] };
}
