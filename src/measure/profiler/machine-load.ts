import { readFileSync } from "node:fs";
import os from "node:os";

/**
 * How busy the machine was while a loop ran: the share of all CPUs' time spent by other processes (from
 * Linux's /proc/stat minus this process's own /proc/self/stat), and the 1-minute load average at both ends.
 * A figure timed while other work ran is not the machine's figure; the validity verdict uses this.
 */
export interface MachineLoad {
  readonly cpus: number;
  /** Share (0–1) of all CPUs' time that other processes used during the window. */
  readonly foreignCpuShare: number;
  /** Share (0–1) of all CPUs' time this process (all its threads) used during the window. */
  readonly ownCpuShare: number;
  /** CPU time other processes took during the window (ms, summed over CPUs). */
  readonly foreignCpuMs: number;
  readonly loadAverage1: { readonly start: number; readonly end: number };
  readonly windowMs: number;
}

/** A reading of the CPU counters at one instant; null fields where /proc cannot be read. */
export interface CpuCounters {
  /** Busy and total jiffies of all CPUs (/proc/stat's "cpu" line). */
  readonly busy: number;
  readonly total: number;
  /** This process's user + system jiffies, all threads. */
  readonly own: number;
  readonly loadAverage1: number;
  readonly atMs: number;
}

/** Clock ticks per second of /proc's counters (USER_HZ; 100 on every Linux ABI Node runs on). */
const USER_HZ = 100;

/** Reads the counters now; null where /proc is absent (macOS, Windows). */
export function readCpuCounters(): CpuCounters | null {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu;
    const busy = user + nice + system + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
    const self = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14, 15.
    const rest = self.slice(self.lastIndexOf(")") + 2).split(" ");
    const own = Number(rest[11]) + Number(rest[12]);
    if (![busy, idle, iowait, own].every(Number.isFinite)) return null;
    return { busy, total: busy + idle + (iowait ?? 0), own, loadAverage1: os.loadavg()[0], atMs: Date.now() };
  } catch {
    return null;
  }
}

/** Returns the load between two readings (null when either is missing or no time passed). */
export function loadBetween(start: CpuCounters | null, end: CpuCounters | null): MachineLoad | null {
  if (start === null || end === null) return null;
  const total = end.total - start.total;
  if (total <= 0) return null;
  const own = Math.max(0, end.own - start.own);
  const foreign = Math.max(0, end.busy - start.busy - own);
  return {
    cpus: os.availableParallelism(),
    foreignCpuShare: Math.min(1, foreign / total),
    ownCpuShare: Math.min(1, own / total),
    foreignCpuMs: (foreign * 1000) / USER_HZ,
    loadAverage1: { start: start.loadAverage1, end: end.loadAverage1 },
    windowMs: end.atMs - start.atMs,
  };
}
