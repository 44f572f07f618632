import { describe, expect, it } from "vitest";

import type { Attrs, TensorInfo } from "../../../src/measure/onnx/index.js";
import {
  inferNode,
  ShapeInferenceError,
  supportedOps,
  UnsupportedOpError,
} from "../../../src/measure/onnx/index.js";

const f = (shape: Array<number | string>): TensorInfo => ({ dtype: "float32", shape });
const i64 = (value: Array<number | string>): TensorInfo => ({ dtype: "int64", shape: [value.length], value });
const node = (opType: string, attrs: Attrs = {}, outputCount = 1) => ({
  opType,
  name: `n_${opType}`,
  attrs,
  outputCount,
});
const infer = (opType: string, inputs: Array<TensorInfo | null>, attrs: Attrs = {}, outs = 1, opset = 20) =>
  inferNode(node(opType, attrs, outs), inputs, opset);

describe("inferNode", () => {
  it("handles an empty attribute set and broadcasting of elementwise ops", () => {
    expect(infer("Add", [f(["batch", 197, 384]), f([384])])[0].shape).toEqual(["batch", 197, 384]);
    expect(infer("Mul", [f([2, 1, 5]), f([3, 1])])[0].shape).toEqual([2, 3, 5]);
    expect(infer("Equal", [f([4]), f([4])])[0].dtype).toBe("bool");
    expect(() => infer("Add", [f([2, 3]), f([4])])).toThrow(/cannot broadcast/);
  });

  it("infers MatMul with batch broadcasting and vectors, Gemm with transposes", () => {
    expect(infer("MatMul", [f(["b", 6, 197, 64]), f(["b", 6, 64, 197])])[0].shape).toEqual([
      "b",
      6,
      197,
      197,
    ]);
    expect(infer("MatMul", [f([3, 4]), f([4])])[0].shape).toEqual([3]);
    expect(infer("Gemm", [f([2, 8]), f([16, 8])], { transB: 1 })[0].shape).toEqual([2, 16]);
  });

  it("infers Conv and pools with pads, strides, groups, dilation and ceil mode", () => {
    expect(
      infer("Conv", [f([1, 3, 224, 224]), f([64, 3, 7, 7])], { strides: [2, 2], pads: [3, 3, 3, 3] })[0]
        .shape,
    ).toEqual([1, 64, 112, 112]);
    expect(
      infer("Conv", [f([1, 384, 14, 14]), f([384, 1, 3, 3])], { group: 384, pads: [1, 1, 1, 1] })[0].shape,
    ).toEqual([1, 384, 14, 14]);
    expect(infer("Conv", [f([1, 8, 10, 10]), f([8, 8, 3, 3])], { dilations: [2, 2] })[0].shape).toEqual([
      1, 8, 6, 6,
    ]);
    expect(
      infer("MaxPool", [f([1, 64, 112, 112])], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      })[0].shape,
    ).toEqual([1, 64, 56, 56]);
    expect(
      infer("AveragePool", [f([1, 4, 7, 7])], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 })[0]
        .shape,
    ).toEqual([1, 4, 4, 4]);
    expect(() => infer("Conv", [f([1, 4, 8, 8]), f([8, 3, 3, 3])])).toThrow(/4 channels/);
  });

  it("follows shape arithmetic through Shape, Gather, Unsqueeze, Concat into Reshape", () => {
    const x = f([2, 197, 384]);
    const shape = infer("Shape", [x])[0];
    expect(shape.value).toEqual([2, 197, 384]);
    const batch = infer("Gather", [shape, { dtype: "int64", shape: [], value: [0] }])[0];
    expect(batch.value).toEqual([2]);
    const b1 = infer("Unsqueeze", [batch, i64([0])])[0];
    const target = infer("Concat", [b1, i64([-1, 6, 64])], { axis: 0 })[0];
    expect(target.value).toEqual([2, -1, 6, 64]);
    expect(infer("Reshape", [x, target])[0].shape).toEqual([2, 197, 6, 64]);
    expect(infer("Div", [i64([384]), i64([6])])[0].value).toEqual([64]);
  });

  it("resolves -1 and 0 in Reshape with a symbolic batch and rejects impossible ones", () => {
    expect(infer("Reshape", [f(["batch", 196, 384]), i64([0, 14, 14, -1])])[0].shape).toEqual([
      "batch",
      14,
      14,
      384,
    ]);
    expect(infer("Reshape", [f(["batch", 196, 384]), i64([-1, 384])])[0].shape).toEqual(["?", 384]);
    expect(() => infer("Reshape", [f([2, 3]), i64([4, -1])])).toThrow(/cannot reshape/);
    expect(() => infer("Reshape", [f([2, 3]), i64([-1, -1])])).toThrow(/more than one -1/);
  });

  it("infers Slice (negative, stepped), Split, TopK, Einsum and DFT", () => {
    expect(infer("Slice", [f([2, 10]), i64([1]), i64([-1]), i64([1])])[0].shape).toEqual([2, 8]);
    expect(infer("Slice", [f([10]), i64([-1]), i64([-1000]), i64([0]), i64([-2])])[0].shape).toEqual([5]);
    expect(infer("Split", [f([4, 9]), i64([2, 7])], { axis: 1 }, 2).map((t) => t.shape)).toEqual([
      [4, 2],
      [4, 7],
    ]);
    expect(infer("Split", [f([4, 9])], { axis: 1, num_outputs: 3 }, 3).map((t) => t.shape)).toEqual([
      [4, 3],
      [4, 3],
      [4, 3],
    ]);
    expect(infer("TopK", [f([2, 10]), i64([3])], {}, 2).map((t) => t.shape)).toEqual([
      [2, 3],
      [2, 3],
    ]);
    expect(infer("Einsum", [f([6, 197]), f([2, 6, 197, 64])], { equation: "hn,bhnd->bhd" })[0].shape).toEqual(
      [2, 6, 64],
    );
    expect(infer("Einsum", [f([2, 3]), f([3, 4])], { equation: "ij,jk" })[0].shape).toEqual([2, 4]);
    expect(
      infer("DFT", [f([1, 14, 14, 384, 1]), null, { dtype: "int64", shape: [], value: [2] }], {
        onesided: 1,
      })[0].shape,
    ).toEqual([1, 14, 8, 384, 2]);
    expect(infer("DFT", [f([1, 8, 2])], { axis: 1 }, 1, 17)[0].shape).toEqual([1, 8, 2]);
    expect(() =>
      infer("DFT", [f([1, 8, 2]), null, { dtype: "int64", shape: [], value: [1] }], {
        onesided: 1,
        inverse: 1,
      }),
    ).toThrow(/onesided inverse/);
  });

  it("infers reductions with axes as attribute (opset 13) or input (opset 18)", () => {
    expect(infer("ReduceMean", [f([2, 197, 384])], { axes: [1], keepdims: 0 }, 1, 13)[0].shape).toEqual([
      2, 384,
    ]);
    expect(infer("ReduceSum", [f([2, 197, 384]), i64([-1])])[0].shape).toEqual([2, 197, 1]);
    expect(infer("ReduceMax", [f([2, 3])], { keepdims: 0 })[0].shape).toEqual([]);
  });

  it("names the op and node of an unsupported op, and refuses data-dependent shapes", () => {
    expect(() => infer("FancyOp", [f([1])])).toThrow(UnsupportedOpError);
    expect(() => infer("FancyOp", [f([1])])).toThrow(
      /FancyOp node "n_FancyOp": unsupported operator FancyOp/,
    );
    expect(() => inferNode({ ...node("Gelu"), domain: "com.microsoft" }, [f([1])], 20)).toThrow(
      /com.microsoft::Gelu/,
    );
    expect(() => infer("NonZero", [f([4])])).toThrow(ShapeInferenceError);
    expect(() => infer("Reshape", [f([4]), { dtype: "int64", shape: [2] }])).toThrow(/must be a constant/);
  });

  it("covers every op the zoo uses", () => {
    for (const op of [
      "MatMul",
      "Gemm",
      "Conv",
      "Einsum",
      "Softmax",
      "LayerNormalization",
      "BatchNormalization",
      "Gelu",
      "TopK",
      "GatherElements",
      "ScatterND",
      "ScatterElements",
      "DFT",
      "CumSum",
      "Where",
      "Expand",
      "GlobalAveragePool",
      "MaxPool",
      "AveragePool",
      "LpNormalization",
      "Resize",
      "Pad",
    ]) {
      expect(supportedOps()).toContain(op);
    }
  });
});
