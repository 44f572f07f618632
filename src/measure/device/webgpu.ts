/**
 * What onnxruntime-node's WebGPU execution provider needs on Linux and what it said: the Vulkan loader
 * (`libvulkan.so.1`, Debian's `libvulkan1`), a GPU driver's Vulkan ICD (`*_icd.json`), and the facts its log
 * holds (Dawn's Vulkan load error, "Failed to get a WebGPU adapter", the EP's configuration lines, and the node
 * placements that name the operators which fell back to the CPU). Pure parsers plus small file-system looks; no
 * onnxruntime here (the probe that loads it runs in a child process: profiler/webgpu-probe.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The loader's file name that Dawn opens. */
export const VULKAN_LOADER = "libvulkan.so.1";

/** Where distributions put the loader when ldconfig does not know it (e.g. a loader unpacked by hand). */
const LOADER_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/lib64",
  "/usr/lib",
  "/lib",
  "/usr/local/lib",
];

/** Where the Vulkan loader looks for driver manifests (ICDs) when VK_DRIVER_FILES is unset. */
export const ICD_DIRS = [
  "/usr/local/nvidia/share/vulkan/icd.d",
  "/etc/vulkan/icd.d",
  "/usr/share/vulkan/icd.d",
  "/usr/local/share/vulkan/icd.d",
];

/** File-system and process looks, replaceable in tests. */
export interface VulkanLookups {
  readonly env: NodeJS.ProcessEnv;
  readonly exists: (file: string) => boolean;
  /** `ldconfig -p` output, or null where ldconfig is missing. */
  readonly ldconfig: () => string | null;
  readonly listDir: (dir: string) => string[];
}

const realLookups: VulkanLookups = {
  env: process.env,
  exists: existsSync,
  ldconfig: () => {
    for (const bin of ["ldconfig", "/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
      try {
        return execFileSync(bin, ["-p"], {
          encoding: "utf8",
          timeout: 5_000,
          stdio: ["ignore", "pipe", "ignore"],
        });
      } catch {
        // next candidate
      }
    }
    return null;
  },
  listDir: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/**
 * Returns the path of the Vulkan loader the dynamic linker would find, or null: LD_LIBRARY_PATH first (a loader
 * unpacked beside the project, as scripts/gpu-run.sh does), then ldconfig's cache, then the usual folders.
 */
export function findVulkanLoader(lookups: Partial<VulkanLookups> = {}): string | null {
  const l = { ...realLookups, ...lookups };
  for (const dir of (l.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean)) {
    const file = path.join(dir, VULKAN_LOADER);
    if (l.exists(file)) return file;
  }
  const cached = parseLdconfig(l.ldconfig() ?? "", VULKAN_LOADER);
  if (cached !== null) return cached;
  for (const dir of LOADER_DIRS) {
    const file = path.join(dir, VULKAN_LOADER);
    if (l.exists(file)) return file;
  }
  return null;
}

/** Returns the path `ldconfig -p` gives for a library (`\tlibvulkan.so.1 (libc6,x86-64) => /usr/lib/…`), or null. */
export function parseLdconfig(text: string, library: string): string | null {
  for (const line of text.split("\n")) {
    const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$/.exec(line);
    if (m && m[1] === library) return m[3];
  }
  return null;
}

/**
 * Returns the Vulkan driver manifests the loader would read: VK_DRIVER_FILES (or the older VK_ICD_FILENAMES), a
 * colon-separated list, where set; else every `*.json` in the standard ICD folders. Lavapipe (`lvp_icd`) is a CPU
 * rasteriser that Dawn refuses, so it is listed but never counts as a GPU driver (see {@link gpuDriverFiles}).
 */
export function vulkanDriverFiles(lookups: Partial<VulkanLookups> = {}): string[] {
  const l = { ...realLookups, ...lookups };
  const given = l.env.VK_DRIVER_FILES || l.env.VK_ICD_FILENAMES;
  if (given) return given.split(":").filter((f) => f !== "" && l.exists(f));
  return ICD_DIRS.flatMap((dir) =>
    l
      .listDir(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => path.join(dir, f)),
  );
}

/** Returns the manifests of real GPU drivers among `files` (software rasterisers left out). */
export function gpuDriverFiles(files: readonly string[]): string[] {
  return files.filter((f) => !/lvp_icd|lavapipe|swiftshader/i.test(path.basename(f)));
}

/** A node onnxruntime placed on a provider: its op type and node name. */
export interface PlacedNode {
  readonly op: string;
  readonly name: string;
}

/** onnxruntime's node placement report (session log at VERBOSE): nodes per execution provider. */
export interface NodePlacements {
  /** Node count per provider, e.g. { WebGpuExecutionProvider: 412, CPUExecutionProvider: 9 }. */
  readonly counts: Readonly<Record<string, number>>;
  /** The nodes listed per provider (onnxruntime lists none when one provider has them all). */
  readonly nodes: Readonly<Record<string, readonly PlacedNode[]>>;
}

/** What the WebGPU provider's log says (onnxruntime's verbose session log plus Dawn's warnings). */
export interface WebGpuLogFacts {
  /** Dawn could not open the Vulkan loader ("Couldn't load Vulkan: libvulkan.so.1: cannot open …"). */
  readonly vulkanLoadError: string | null;
  /** "Failed to get a WebGPU adapter: <why>" (e.g. "No supported adapters"). */
  readonly adapterError: string | null;
  /** Any other failure to create the WebGPU device or context. */
  readonly deviceError: string | null;
  /** The EP logged "WebGPU EP Context is created": an adapter and device were found. */
  readonly contextCreated: boolean;
  /** The EP's configuration lines ("WebGPU EP preferred layout: 1", "… Dawn backend type: 0", …), by name. */
  readonly config: Readonly<Record<string, string>>;
  /** Operators the WebGPU kernel registry lacks ("webgpu kernel not found in registries for Op type: X node name: Y"). */
  readonly kernelsNotFound: readonly PlacedNode[];
  readonly placements: NodePlacements | null;
  /** Dawn's warnings (e.g. why it rejected an adapter: "shaderUniform*ArrayDynamicIndexing required"). */
  readonly dawnWarnings: readonly string[];
}

/** onnxruntime's names for the WebGPU and CPU providers in its logs. */
export const WEBGPU_EP = "WebGpuExecutionProvider";
export const CPU_EP = "CPUExecutionProvider";

/** Returns the facts in the text of a WebGPU session's log (stderr of a process that created one). */
export function parseWebGpuLog(text: string): WebGpuLogFacts {
  let vulkanLoadError: string | null = null;
  let adapterError: string | null = null;
  let deviceError: string | null = null;
  let contextCreated = false;
  const config: Record<string, string> = {};
  const kernelsNotFound: PlacedNode[] = [];
  const dawnWarnings: string[] = [];
  const counts: Record<string, number> = {};
  const nodes: Record<string, PlacedNode[]> = {};
  let placing: string | null = null;
  let sawPlacements = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    let m = /Couldn't load Vulkan: (.*)$/.exec(line);
    if (m) vulkanLoadError ??= m[1].trim();
    m = /Failed to get a WebGPU adapter:?\s*(.*)$/.exec(line);
    if (m) adapterError ??= m[1].trim() || "no adapter";
    m = /Failed to get a WebGPU device:?\s*(.*)$/.exec(line);
    if (m) deviceError ??= m[1].trim() || "no device";
    if (/WebGPU EP Context is created/.test(line)) contextCreated = true;
    m = /WebGPU EP ([A-Za-z][\w ]*?):\s*(\S.*)$/.exec(line);
    if (m && !/Context is created/.test(line)) config[camel(m[1])] = m[2].trim();
    m = /webgpu kernel not found in registries for Op type: (\S+)(?: node name: (.*))?$/i.exec(line);
    if (m) kernelsNotFound.push({ op: m[1], name: (m[2] ?? "").trim() });
    if (/^\s*Warning: /.test(line) && !/Couldn't load Vulkan/.test(line))
      dawnWarnings.push(line.trim().slice("Warning: ".length));
    m = /(All nodes|Node\(s\)) placed on \[(\w+)\]\.\s*Number of nodes:\s*(\d+)/.exec(line);
    if (m) {
      sawPlacements = true;
      counts[m[2]] = Number(m[3]);
      nodes[m[2]] ??= [];
      placing = m[1] === "All nodes" ? null : m[2];
      continue;
    }
    if (placing !== null) {
      // "[V:onnxruntime:, session_state.cc:1347 VerifyEachNodeIsAssignedToAnEp]   MatMul (fc0)" or a bare line.
      const body = line.replace(/^.*VerifyEachNodeIsAssignedToAnEp\]/, "");
      const node = /^\s{2,}([\w.]+) \((.*)\)\s*$/.exec(body);
      if (node) nodes[placing].push({ op: node[1], name: node[2] });
      else if (body.trim() !== "" && !/^\s{2,}/.test(body)) placing = null;
    }
  }
  return {
    vulkanLoadError,
    adapterError,
    deviceError,
    contextCreated,
    config,
    kernelsNotFound,
    placements: sawPlacements ? { counts, nodes } : null,
    dawnWarnings: [...new Set(dawnWarnings)],
  };
}

/** Operators of one type that ran on the CPU instead of the GPU. */
export interface CpuFallbackOp {
  readonly op: string;
  readonly count: number;
  /** Node names (at most 20 per op). */
  readonly nodes: readonly string[];
}

/**
 * Returns the operators that the placement report puts on the CPU provider, by op type (most first). Memcpy nodes
 * are the copies around them, not work that fell back, and are left out. onnxruntime also keeps small shape
 * computations (Shape, Gather on shapes) on the CPU on purpose; they are listed as well: the list is what ran there.
 */
export function cpuFallbackOps(placements: NodePlacements | null): CpuFallbackOp[] {
  if (placements === null) return [];
  const byOp = new Map<string, string[]>();
  for (const n of placements.nodes[CPU_EP] ?? []) {
    if (/^Memcpy(FromHost|ToHost)$/.test(n.op)) continue;
    byOp.set(n.op, [...(byOp.get(n.op) ?? []), n.name]);
  }
  return [...byOp.entries()]
    .map(([op, names]) => ({ op, count: names.length, nodes: names.slice(0, 20) }))
    .sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
}

/** The Vulkan device as `vulkaninfo --summary` describes it (where that tool is installed). */
export interface VulkanDeviceSummary {
  readonly deviceName: string;
  readonly deviceType: string | null;
  readonly driverName: string | null;
  readonly driverInfo: string | null;
  readonly apiVersion: string | null;
}

/** Returns the GPUs of `vulkaninfo --summary` output (its "Devices:" section), CPU rasterisers left out. */
export function parseVulkanSummary(text: string): VulkanDeviceSummary[] {
  const out: VulkanDeviceSummary[] = [];
  for (const block of text.split(/\n(?=GPU\d+:)/)) {
    const field = (name: string): string | null => {
      const m = new RegExp(`^\\s*${name}\\s*=\\s*(.+)$`, "m").exec(block);
      return m ? m[1].trim() : null;
    };
    const deviceName = field("deviceName");
    if (deviceName === null) continue;
    const deviceType = field("deviceType");
    if (deviceType === "PHYSICAL_DEVICE_TYPE_CPU") continue;
    out.push({
      deviceName,
      deviceType,
      driverName: field("driverName"),
      driverInfo: field("driverInfo"),
      apiVersion: field("apiVersion"),
    });
  }
  return out;
}

/** Returns `vulkaninfo --summary`'s GPUs, or null where vulkaninfo is not installed or fails. */
export function readVulkanSummary(): VulkanDeviceSummary[] | null {
  try {
    const text = execFileSync("vulkaninfo", ["--summary"], {
      encoding: "utf8",
      timeout: 10_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return parseVulkanSummary(text);
  } catch {
    return null;
  }
}

/** "preferred layout" → preferredLayout; "validationMode" stays as logged. */
function camel(words: string): string {
  const parts = words.trim().split(/\s+/);
  return parts
    .map((p, i) => (i === 0 ? p[0].toLowerCase() + p.slice(1) : p[0].toUpperCase() + p.slice(1)))
    .join("");
}
