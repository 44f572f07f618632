import { describe, expect, it } from "vitest";

import { parseOperatorTrace } from "../../../src/measure/profiler/operator-trace.js";

const run = (ts: number, dur: number) => ({ cat: "Session", name: "model_run", ts, dur, ph: "X", args: {} });
const kernel = (node: string, op: string, ts: number, dur: number, provider = "CPUExecutionProvider") => ({
  cat: "Node",
  name: `${node}_kernel_time`,
  ts,
  dur,
  ph: "X",
  args: { op_name: op, provider },
});

/** Two runs: the first (warm-up) is slow; the second is what counts. */
const trace = [
  { cat: "Session", name: "session_initialization", ts: 0, dur: 50, args: {} },
  run(100, 1000),
  kernel("mm_0", "MatMul", 110, 900),
  kernel("gelu_0", "Gelu", 1020, 50),
  run(2000, 110),
  kernel("mm_0", "MatMul", 2005, 60),
  kernel("mm_1", "MatMul", 2066, 20),
  kernel("gelu_0", "Gelu", 2087, 10),
  kernel("ln_0", "LayerNormalization", 2098, 6, "CUDAExecutionProvider"),
  kernel("add_0", "Add", 2105, 4),
  { cat: "Node", name: "mm_0_fence_before", ts: 2004, dur: 1, args: { op_name: "MatMul" } },
];

describe("parseOperatorTrace", () => {
  it("rejects what is not a trace, and a trace with too few runs", () => {
    expect(() => parseOperatorTrace({}, 0, 5)).toThrow(/not a JSON array/);
    expect(() => parseOperatorTrace([run(0, 1)], 1, 5)).toThrow(/holds 1 runs; at least 2/);
  });

  it("skips warm-up runs and sums kernel time per operator type", () => {
    const b = parseOperatorTrace(trace, 1, 10);
    expect(b.runs).toBe(1);
    expect(b.modelRunMs).toBeCloseTo(0.11, 12);
    expect(b.kernelMsPerRun).toBeCloseTo(0.1, 12);
    expect(b.operators.map((o) => o.opType)).toEqual(["MatMul", "Gelu", "LayerNormalization", "Add"]);
    const mm = b.operators[0];
    expect(mm).toMatchObject({ callsPerRun: 2, nodes: 2, providers: ["CPUExecutionProvider"] });
    expect(mm.totalMs).toBeCloseTo(0.08, 12);
    expect(mm.share).toBeCloseTo(0.8, 12);
    expect(b.providerShares.CUDAExecutionProvider).toBeCloseTo(0.06, 12);
  });

  it("sums the tail beyond `top` into one other row", () => {
    const b = parseOperatorTrace(trace, 1, 2);
    expect(b.operators.map((o) => o.opType)).toEqual(["MatMul", "Gelu", "other"]);
    const other = b.operators[2];
    expect(other.share).toBeCloseTo(0.1, 12);
    expect(other.nodes).toBe(2);
    expect(other.providers).toEqual(["CPUExecutionProvider", "CUDAExecutionProvider"]);
    expect(b.operators.reduce((s, o) => s + o.share, 0)).toBeCloseTo(1, 12);
  });

  it("counts the warm-up run when none is skipped", () => {
    const b = parseOperatorTrace(trace, 0, 10);
    expect(b.runs).toBe(2);
    expect(b.operators[0]).toMatchObject({ opType: "MatMul", callsPerRun: 1.5 });
  });
});
