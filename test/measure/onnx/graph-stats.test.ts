import pkg from "onnx-proto";
import { describe, expect, it } from "vitest";

import {
  analyzeModel,
  BATCH,
  GraphAnalysisError,
  GraphBuilder,
  linear,
  ModelReadError,
} from "../../../src/measure/onnx/index.js";

const { onnx } = pkg;

type Dim = number | string;
const vi = (name: string, dims: Dim[], elemType = 1) => ({
  name,
  type: {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
    },
  },
});
const f32 = (name: string, dims: number[]) => ({
  name,
  dims,
  dataType: 1,
  rawData: new Uint8Array(new Float32Array(dims.reduce((a, b) => a * b, 1)).buffer),
});
const i64 = (name: string, values: number[]) => ({
  name,
  dims: [values.length],
  dataType: 7,
  rawData: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer),
});

/** A graph laid out the way torch.onnx.export writes one: dynamic batch, shape arithmetic, initializers. */
function exportedLikeGraph(extra: object[] = []) {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "user",
      input: [vi("input", ["batch_size", 3, 32, 32])],
      output: [vi("out", ["batch_size", 10])],
      initializer: [
        f32("conv.w", [16, 3, 3, 3]),
        f32("conv.b", [16]),
        f32("dw.w", [16, 1, 3, 3]),
        f32("fc.w", [10, 16]),
        f32("fc.b", [10]),
        i64("flat", [0, -1]),
      ],
      node: [
        {
          opType: "Conv",
          name: "/conv/Conv",
          input: ["input", "conv.w", "conv.b"],
          output: ["c1"],
          attribute: [
            { name: "pads", type: 7, ints: [1, 1, 1, 1] },
            { name: "strides", type: 7, ints: [2, 2] },
          ],
        },
        { opType: "Relu", name: "/relu", input: ["c1"], output: ["r1"] },
        {
          opType: "Conv",
          name: "/dw/Conv",
          input: ["r1", "dw.w"],
          output: ["c2"],
          attribute: [
            { name: "group", type: 2, i: 16 },
            { name: "pads", type: 7, ints: [1, 1, 1, 1] },
          ],
        },
        { opType: "GlobalAveragePool", name: "/pool", input: ["c2"], output: ["p"] },
        { opType: "Shape", name: "/Shape", input: ["p"], output: ["s"] },
        {
          opType: "Constant",
          name: "/Constant",
          output: ["zero"],
          attribute: [
            {
              name: "value",
              type: 4,
              t: { dims: [], dataType: 7, rawData: new Uint8Array(new BigInt64Array([0n]).buffer) },
            },
          ],
        },
        { opType: "Gather", name: "/Gather", input: ["s", "zero"], output: ["b"] },
        { opType: "Reshape", name: "/Reshape", input: ["p", "flat"], output: ["flat_out"] },
        {
          opType: "Gemm",
          name: "/fc/Gemm",
          input: ["flat_out", "fc.w", "fc.b"],
          output: ["out"],
          attribute: [{ name: "transB", type: 2, i: 1 }],
        },
        ...extra,
      ],
    },
  }).finish();
}

describe("analyzeModel", () => {
  it("counts parameters and MACs of an exported-style CNN with the batch fixed to 1", () => {
    const s = analyzeModel(exportedLikeGraph());
    expect(s.inputs).toEqual([{ name: "input", shape: [1, 3, 32, 32] }]);
    expect(s.outputs).toEqual([{ name: "out", shape: [1, 10] }]);
    // Float initializers only; the int64 reshape target is not a parameter.
    expect(s.parameters).toBe(16 * 27 + 16 + 16 * 9 + 160 + 10);
    const conv = 16 * 16 * 16 * 27; // out elements × in/groups × kernel
    const dw = 16 * 16 * 16 * 9;
    const fc = 10 * 16;
    expect(s.linearMacs).toBe(conv + dw + fc);
    // torchprofile adds one MAC per output of average pooling.
    expect(s.macs).toBe(conv + dw + fc + 16);
    expect(s.nodes.find((n) => n.name === "/conv/Conv")!.parameters).toBe(16 * 27 + 16);
    expect(s.opCounts.Conv).toBe(2);
  });

  it("scales with the batch and reads other symbolic dims from options", () => {
    expect(analyzeModel(exportedLikeGraph(), { batch: 4 }).linearMacs).toBe(
      4 * analyzeModel(exportedLikeGraph()).linearMacs,
    );
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      graph: {
        name: "seq",
        input: [vi("x", ["b", "seq", 8])],
        output: [vi("y", ["b", "seq", 4])],
        initializer: [f32("w", [8, 4])],
        node: [{ opType: "MatMul", name: "mm", input: ["x", "w"], output: ["y"] }],
      },
    }).finish();
    expect(() => analyzeModel(bytes)).toThrow(/symbolic dimension "seq" at axis 1/);
    expect(analyzeModel(bytes, { dims: { seq: 10 } }).macs).toBe(10 * 8 * 4);
  });

  it("names the op and the node of an unknown operator instead of crashing", () => {
    const bytes = exportedLikeGraph([
      { opType: "MyCustomOp", name: "/custom/Op", input: ["out"], output: ["z"] },
    ]);
    expect(() => analyzeModel(bytes)).toThrow(GraphAnalysisError);
    expect(() => analyzeModel(bytes)).toThrow(/MyCustomOp node "\/custom\/Op": unsupported operator/);
  });

  it("reports malformed bytes, missing producers and inconsistent shapes clearly", () => {
    expect(() => analyzeModel(new Uint8Array([1, 2, 3, 255, 255]))).toThrow(ModelReadError);
    const dangling = exportedLikeGraph([
      { opType: "Add", name: "/add", input: ["out", "ghost"], output: ["z"] },
    ]);
    expect(() => analyzeModel(dangling)).toThrow(/Add node "\/add": input\(s\) "ghost" are never produced/);
    const bad = exportedLikeGraph([
      { opType: "MatMul", name: "/mm", input: ["out", "conv.b"], output: ["z"] },
    ]);
    expect(() => analyzeModel(bad)).toThrow(/MatMul node "\/mm": inner dimensions differ/);
  });

  it("accepts nodes out of topological order", () => {
    const bytes = onnx.ModelProto.encode({
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      graph: {
        name: "unordered",
        input: [vi("x", [2, 4])],
        output: [vi("z", [2, 4])],
        node: [
          { opType: "Relu", name: "second", input: ["y"], output: ["z"] },
          { opType: "Neg", name: "first", input: ["x"], output: ["y"] },
        ],
      },
    }).finish();
    expect(analyzeModel(bytes).nodes.map((n) => n.name)).toEqual(["first", "second"]);
  });

  it("counts attention matmuls, einsum, Mul and LayerNorm like the benchmark's tools", () => {
    const b = new GraphBuilder({ name: "t", weights: false });
    const x = b.input("x", [BATCH, 10, 8]);
    const q = linear(b, x, 8, 8, "q");
    const att = b.softmax(b.matmul(b.mul(q, 0.5), b.transpose(q, [0, 2, 1])));
    const e = b.einsum("bnm,bmd->bnd", att, q);
    b.output(b.layerNorm(e, b.param("g", [8]), null));
    const s = analyzeModel(b.toGraph());
    const linearPart = 10 * 8 * 8; // q projection
    const scores = 10 * 10 * 8;
    const einsum = 10 * 10 * 8;
    expect(s.linearMacs).toBe(linearPart + scores + einsum);
    expect(s.macs).toBe(linearPart + scores + einsum + 10 * 8 /* Mul */ + 10 * 8 /* LayerNorm */);
    expect(s.torchprofileMacs).toBe(s.macs - einsum);
    // FLOPs: linear 1/MAC, bias add 0 (part of the layer), Mul 1, Softmax 5, LayerNorm 5 per element.
    expect(s.flops).toBe(linearPart + scores + einsum + 10 * 8 + 5 * 100 + 5 * 80);
  });
});
