/**
 * Parses onnxruntime's profiling trace (Chrome trace-event JSON written when `enableProfiling` is set) into a
 * per-operator time breakdown. Kernel events are `cat: "Node"` events named `<node>_kernel_time` with
 * `args.op_name` and `args.provider`; each inference is a `cat: "Session"` event named `model_run`.
 */

/** Time spent in one operator type over the profiled runs. */
export interface OperatorTime {
  /** onnxruntime's kernel name, after graph fusion (e.g. `FusedGemm`, `MatMul`), or `other` for the tail. */
  readonly opType: string;
  /** Total kernel time over the profiled runs, in milliseconds. */
  readonly totalMs: number;
  /** Mean kernel time per run, in milliseconds. */
  readonly perRunMs: number;
  /** Fraction of all kernel time (0–1). */
  readonly share: number;
  /** Kernel invocations per run. */
  readonly callsPerRun: number;
  /** Distinct graph nodes of this type. */
  readonly nodes: number;
  /** Execution providers that ran it (e.g. `CPUExecutionProvider`). */
  readonly providers: string[];
}

/** The per-operator breakdown of a trace. */
export interface OperatorBreakdown {
  /** Runs included (after skipping warm-up runs). */
  readonly runs: number;
  /** Mean `model_run` time, in milliseconds (includes framework overhead outside kernels). */
  readonly modelRunMs: number;
  /** Mean summed kernel time per run, in milliseconds. */
  readonly kernelMsPerRun: number;
  /** The top operator types by time, then one `other` row for the rest (when any). */
  readonly operators: OperatorTime[];
  /** Share of kernel time per execution provider. */
  readonly providerShares: Record<string, number>;
}

/** One trace event; only the fields read here. */
interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string; readonly provider?: string };
}

/**
 * Returns the per-operator breakdown of an onnxruntime trace, skipping the first `warmupRuns` model runs and
 * keeping the `top` operator types by total time.
 *
 * @throws Error when the trace is not an event array or holds fewer than `warmupRuns + 1` runs.
 */
export function parseOperatorTrace(trace: unknown, warmupRuns: number, top: number): OperatorBreakdown {
  if (!Array.isArray(trace)) throw new Error("the onnxruntime profiling trace is not a JSON array of events");
  const events = trace as TraceEvent[];
  const runs = events
    .filter((e) => e.cat === "Session" && e.name === "model_run" && typeof e.ts === "number")
    .sort((a, b) => (a.ts as number) - (b.ts as number));
  if (runs.length <= warmupRuns) {
    throw new Error(
      `the profiling trace holds ${runs.length} runs; at least ${warmupRuns + 1} were expected`,
    );
  }
  const measured = runs.slice(warmupRuns);
  const from = measured[0].ts as number;
  const byOp = new Map<string, { us: number; calls: number; nodes: Set<string>; providers: Set<string> }>();
  const byProvider = new Map<string, number>();
  let kernelUs = 0;
  for (const e of events) {
    if (e.cat !== "Node" || typeof e.name !== "string" || !e.name.endsWith("_kernel_time")) continue;
    if (typeof e.ts !== "number" || e.ts < from || typeof e.dur !== "number") continue;
    const op = e.args?.op_name ?? "unknown";
    const provider = e.args?.provider ?? "unknown";
    let entry = byOp.get(op);
    if (entry === undefined) {
      entry = { us: 0, calls: 0, nodes: new Set(), providers: new Set() };
      byOp.set(op, entry);
    }
    entry.us += e.dur;
    entry.calls++;
    entry.nodes.add(e.name.slice(0, -"_kernel_time".length));
    entry.providers.add(provider);
    byProvider.set(provider, (byProvider.get(provider) ?? 0) + e.dur);
    kernelUs += e.dur;
  }
  const n = measured.length;
  const row = (
    opType: string,
    us: number,
    calls: number,
    nodes: number,
    providers: string[],
  ): OperatorTime => ({
    opType,
    totalMs: us / 1000,
    perRunMs: us / 1000 / n,
    share: kernelUs === 0 ? 0 : us / kernelUs,
    callsPerRun: calls / n,
    nodes,
    providers,
  });
  const sorted = [...byOp.entries()].sort((a, b) => b[1].us - a[1].us);
  const operators = sorted
    .slice(0, top)
    .map(([op, e]) => row(op, e.us, e.calls, e.nodes.size, [...e.providers].sort()));
  const rest = sorted.slice(top);
  if (rest.length > 0) {
    const providers = new Set(rest.flatMap(([, e]) => [...e.providers]));
    operators.push(
      row(
        "other",
        rest.reduce((s, [, e]) => s + e.us, 0),
        rest.reduce((s, [, e]) => s + e.calls, 0),
        rest.reduce((s, [, e]) => s + e.nodes.size, 0),
        [...providers].sort(),
      ),
    );
  }
  const providerShares: Record<string, number> = {};
  for (const [p, us] of byProvider) providerShares[p] = kernelUs === 0 ? 0 : us / kernelUs;
  return {
    runs: n,
    modelRunMs: measured.reduce((s, r) => s + (r.dur ?? 0), 0) / 1000 / n,
    kernelMsPerRun: kernelUs / 1000 / n,
    operators,
    providerShares,
  };
}
