import { execFileSync } from "node:child_process";

/** One GPU as nvidia-smi reports it. */
export interface GpuInfo {
  readonly index: number;
  readonly name: string;
  readonly uuid: string;
  readonly memoryBytes: number;
  readonly driverVersion: string;
}

/** Device memory one process holds on one GPU. */
export interface GpuProcessMemory {
  readonly pid: number;
  readonly gpuUuid: string;
  readonly usedBytes: number;
}

const MIB = 1024 * 1024;
const TIMEOUT_MS = 10_000;

/**
 * Returns the GPUs nvidia-smi lists, in index order; an empty list where nvidia-smi is missing or fails
 * (no NVIDIA driver, no GPU).
 */
export function listGpus(): GpuInfo[] {
  const out = runNvidiaSmi([
    "--query-gpu=index,name,uuid,memory.total,driver_version",
    "--format=csv,noheader,nounits",
  ]);
  return out === null ? [] : parseGpuList(out);
}

/** Returns the GPUs of nvidia-smi's CSV output (`index, name, uuid, memory.total [MiB], driver_version`). */
export function parseGpuList(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split("\n")) {
    const f = splitCsv(line);
    if (f.length < 5 || !/^\d+$/.test(f[0])) continue;
    gpus.push({ index: Number(f[0]), name: f[1], uuid: f[2], memoryBytes: mib(f[3]), driverVersion: f[4] });
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/**
 * Returns the device memory that compute processes hold, per nvidia-smi's `--query-compute-apps`; an empty
 * list where nvidia-smi is missing. In a container with its own pid namespace nvidia-smi may show host pids
 * (or none), so a missing pid is not proof of zero use: see {@link readGpuUsedBytes} for the fallback.
 */
export function listGpuProcessMemory(): GpuProcessMemory[] {
  const out = runNvidiaSmi([
    "--query-compute-apps=pid,gpu_uuid,used_memory",
    "--format=csv,noheader,nounits",
  ]);
  return out === null ? [] : parseGpuProcessMemory(out);
}

/** Returns the processes of nvidia-smi's `--query-compute-apps=pid,gpu_uuid,used_memory` CSV output. */
export function parseGpuProcessMemory(csv: string): GpuProcessMemory[] {
  const rows: GpuProcessMemory[] = [];
  for (const line of csv.split("\n")) {
    const f = splitCsv(line);
    if (f.length < 3 || !/^\d+$/.test(f[0])) continue;
    const used = mib(f[2]);
    if (Number.isNaN(used)) continue;
    rows.push({ pid: Number(f[0]), gpuUuid: f[1], usedBytes: used });
  }
  return rows;
}

/** Returns the memory in use on the whole GPU `index` (all processes), or null where nvidia-smi fails. */
export function readGpuUsedBytes(index: number): number | null {
  const out = runNvidiaSmi([`--id=${index}`, "--query-gpu=memory.used", "--format=csv,noheader,nounits"]);
  if (out === null) return null;
  const value = mib(out.trim().split("\n")[0] ?? "");
  return Number.isNaN(value) ? null : value;
}

function runNvidiaSmi(args: string[]): string | null {
  try {
    return execFileSync("nvidia-smi", args, {
      encoding: "utf8",
      timeout: TIMEOUT_MS,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return null;
  }
}

function splitCsv(line: string): string[] {
  return line.split(",").map((s) => s.trim());
}

function mib(text: string): number {
  const n = Number(text.trim());
  return text.trim() === "" || !Number.isFinite(n) ? Number.NaN : Math.round(n * MIB);
}
