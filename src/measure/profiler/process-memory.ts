import { readFileSync, writeFileSync } from "node:fs";

/** Resident memory of a process from /proc/<pid>/status. */
export interface ResidentMemory {
  /** VmRSS: resident set size now (bytes). */
  readonly rssBytes: number;
  /** VmHWM: peak resident set size since start or since the last reset (bytes). */
  readonly peakBytes: number;
}

/**
 * Returns the current and peak resident memory of a process (`"self"` or a pid) from Linux's
 * /proc/<pid>/status; null where /proc is absent (macOS, Windows) or the process is gone.
 */
export function readResidentMemory(pid: number | "self" = "self"): ResidentMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  if (!rss || !hwm) return null;
  return { rssBytes: Number(rss[1]) * 1024, peakBytes: Number(hwm[1]) * 1024 };
}

/**
 * Resets this process's peak resident memory (VmHWM) to its current resident size by writing 5 to
 * /proc/self/clear_refs (Linux ≥ 4.0). Returns false where that is not allowed, so the peak then runs
 * from the process's start.
 */
export function resetPeakResidentMemory(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}
