import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type { ChildProgress, ChildReply, ChildRequest } from "./child-protocol.js";
import { PARENT_PID_ENV, PROGRESS_MARKER, RESULT_MARKER } from "./child-protocol.js";
import { readResidentMemory } from "./process-memory.js";

/** Limits and hooks of one child run. */
export interface ChildRunOptions {
  /** Wall-clock budget; past it the child gets SIGKILL and the run fails with `timeout`. */
  readonly timeoutMs: number;
  /** Resident memory the child may reach; past it the child gets SIGKILL and the run fails with `oom`. */
  readonly memoryBudgetBytes: number | null;
  /** Extra environment for the child (merged over this process's). */
  readonly env?: Readonly<Record<string, string>>;
  /** Aborting kills the child; the run fails with `cancelled`. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (note: ChildProgress) => void;
  /** Called with the child's pid once it is started (for logs, or to find it from outside). */
  readonly onSpawn?: (pid: number) => void;
  /** How often the parent samples the child's resident memory (ms). */
  readonly memoryPollMs?: number;
}

/** What a child run produced: its reply (or the failure the parent diagnosed), and what the parent saw. */
export interface ChildRunResult {
  readonly reply: ChildReply;
  readonly pid: number | null;
  readonly wallMs: number;
  /** Highest resident memory of the child the parent sampled (bytes); null where /proc is absent. */
  readonly sampledPeakBytes: number | null;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Runs one measurement in a fresh child process and returns its reply. Never rejects for anything the child
 * does: a crash (signal or exit code without a result), a hang past `timeoutMs`, memory past the budget, or
 * the kernel's OOM killer all come back as a failed reply, and the child is always killed with SIGKILL
 * (native code inside session.run does not yield to gentler signals).
 */
export function runChild(request: ChildRequest, options: ChildRunOptions): Promise<ChildRunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const { command, args } = childCommand();
    const child = spawn(command, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env, [PARENT_PID_ENV]: String(process.pid) },
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let reply: ChildReply | null = null;
    let killedFor: "timeout" | "oom" | "cancelled" | null = null;
    let sampledPeak: number | null = null;
    let stdoutBuffer = "";
    let stderrTail = "";
    let settled = false;

    const kill = (why: NonNullable<typeof killedFor>): void => {
      if (killedFor === null && reply === null) killedFor = why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill("timeout"), options.timeoutMs);
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      const mem = readResidentMemory(child.pid);
      if (mem === null) return;
      sampledPeak = Math.max(sampledPeak ?? 0, mem.rssBytes);
      if (options.memoryBudgetBytes !== null && mem.rssBytes > options.memoryBudgetBytes) kill("oom");
    }, options.memoryPollMs ?? 100);
    const onAbort = (): void => kill("cancelled");
    if (options.signal?.aborted) kill("cancelled");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const finish = (fallback: ChildReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(poll);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        reply: reply ?? fallback,
        pid: child.pid ?? null,
        wallMs: performance.now() - started,
        sampledPeakBytes: sampledPeak,
      });
    };

    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdoutBuffer += chunk;
      for (let newline = stdoutBuffer.indexOf("\n"); newline >= 0; newline = stdoutBuffer.indexOf("\n")) {
        const line = stdoutBuffer.slice(0, newline);
        stdoutBuffer = stdoutBuffer.slice(newline + 1);
        if (line.startsWith(RESULT_MARKER)) {
          reply = parseReply(line.slice(RESULT_MARKER.length));
        } else if (line.startsWith(PROGRESS_MARKER) && options.onProgress) {
          try {
            options.onProgress(JSON.parse(line.slice(PROGRESS_MARKER.length)) as ChildProgress);
          } catch {
            // A malformed progress line is not worth failing a measurement for.
          }
        }
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    // The child may die before reading its request; the write error is then moot.
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify(request));

    child.on("error", (error) => {
      finish({
        ok: false,
        kind: "crash",
        message: `cannot start the measuring process: ${error.message}`,
        details: {},
      });
    });
    child.on("close", (code, signal) => {
      finish(diagnose(code, signal, killedFor, stderrTail.trim(), sampledPeak, options));
    });
  });
}

/** Returns the failure that explains a child's end without a result. */
function diagnose(
  code: number | null,
  signal: NodeJS.Signals | null,
  killedFor: "timeout" | "oom" | "cancelled" | null,
  stderrTail: string,
  sampledPeak: number | null,
  options: ChildRunOptions,
): ChildReply {
  const details = { exitCode: code, signal, ...(stderrTail ? { stderrTail } : {}) };
  switch (killedFor) {
    case "timeout":
      return {
        ok: false,
        kind: "timeout",
        message: `the measurement ran past its time budget of ${options.timeoutMs} ms; the measuring process was killed`,
        details: { ...details, timeoutMs: options.timeoutMs },
      };
    case "oom":
      return {
        ok: false,
        kind: "oom",
        message:
          `the measuring process reached ${mib(sampledPeak ?? 0)} of resident memory, over its budget of ` +
          `${mib(options.memoryBudgetBytes ?? 0)}; it was killed`,
        details: {
          ...details,
          residentBytes: sampledPeak ?? undefined,
          memoryBudgetBytes: options.memoryBudgetBytes ?? undefined,
        },
      };
    case "cancelled":
      return {
        ok: false,
        kind: "cancelled",
        message: "the measurement was cancelled; the measuring process was killed",
        details,
      };
  }
  if (signal === "SIGKILL") {
    return {
      ok: false,
      kind: "oom",
      message:
        "the measuring process was killed by SIGKILL from outside, most likely by the kernel's out-of-memory killer",
      details,
    };
  }
  if (/bad_alloc|out of memory|Failed to allocate memory|heap out of memory/i.test(stderrTail)) {
    return {
      ok: false,
      kind: "oom",
      message: `the measuring process ran out of memory (${endedBy(code, signal)})`,
      details,
    };
  }
  return {
    ok: false,
    kind: "crash",
    message: `the measuring process died without a result (${endedBy(code, signal)})${stderrTail ? `: ${lastLine(stderrTail)}` : ""}`,
    details,
  };
}

function parseReply(json: string): ChildReply {
  try {
    return JSON.parse(json) as ChildReply;
  } catch (error) {
    return {
      ok: false,
      kind: "error",
      message: `unreadable result from the measuring process: ${String(error)}`,
      details: {},
    };
  }
}

/**
 * Returns how to start the child: plain node for compiled JS; with tsx's loader (resolved from this package,
 * not from the caller's cwd) when running from TypeScript sources.
 */
function childCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const entry = path.join(path.dirname(here), `child-main${ext}`);
  if (ext === ".js" || ext === ".mjs") return { command: process.execPath, args: [entry] };
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { command: process.execPath, args: ["--import", loader, entry] };
}

function endedBy(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal ${signal}` : `exit code ${code}`;
}

/** Returns the most telling line of stderr: the last that reads like an error, else the last one. */
function lastLine(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !/^Node\.js v\d/.test(l.trim()));
  const errors = lines.filter((l) => /error|terminate|abort|fatal|exception/i.test(l));
  return (errors[errors.length - 1] ?? lines[lines.length - 1] ?? "").trim().slice(0, 500);
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
