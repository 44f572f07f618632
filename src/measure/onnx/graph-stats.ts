import { isFloat } from "./dtype.js";
import type { ReadGraph } from "./model-reader.js";
import { readModel } from "./model-reader.js";
import type { Dim, TensorInfo } from "./shape-inference.js";
import { einsumLabelSizes, inferNode, isStatic, numel, ShapeInferenceError } from "./shape-inference.js";

/**
 * Theoretical metrics of any ONNX graph: static shapes at a fixed batch, then per-node and total
 * parameters, MACs and FLOPs.
 *
 * - `macs` follows torchprofile (the benchmark's `profile_macs`): MatMul/Gemm/Conv/ConvTranspose/Einsum
 *   multiply-accumulates, plus one per output element of Mul, LayerNormalization/InstanceNormalization/
 *   GroupNormalization, BatchNormalization (affine in ONNX), AveragePool/GlobalAveragePool/ReduceMean and
 *   LeakyRelu, and four per output element of a linear Resize (torchprofile's upsample_bilinear2d).
 * - `torchprofileMacs` is `macs` without Einsum: the benchmark's `macs` figures come from torchprofile,
 *   which has no einsum handler and counts it as 0 (Linformer, Synthesizer-FR, PolySA use einsum).
 * - `linearMacs` is the MatMul/Gemm/Conv/Einsum part alone; `elementwise` counts output elements of
 *   every other compute op, by op type.
 * - `flops` follows the benchmark's fvcore setup (metrics.py): linear ops 1 per MAC; Add/Sub/Mul/Div 1,
 *   Softmax 5, Gelu 8, Exp/Log 20, Sigmoid 22, Pow 3 per element; LayerNorm 5 and BatchNorm 2 per input
 *   element; means 1 per input element; DFT 2.5·n·log2(N) (real input) or 5·n·log2(N); bias adds of
 *   linear layers are part of the layer (0).
 */

/** Figures of one node. */
export interface NodeStats {
  name: string;
  opType: string;
  outputShapes: number[][];
  /** Parameters (float initializer elements) first consumed by this node. */
  parameters: number;
  macs: number;
  linearMacs: number;
  flops: number;
  /** Output elements, for compute ops outside the linear ones. */
  elementwise: number;
}

/** Figures of a whole graph. */
export interface GraphStats {
  name: string;
  opset: number;
  batch: number;
  inputs: Array<{ name: string; shape: number[] }>;
  outputs: Array<{ name: string; shape: number[] }>;
  /** Elements of float initializers (a PyTorch export also stores buffers such as BatchNorm statistics). */
  parameters: number;
  macs: number;
  /** `macs` as torchprofile (the benchmark's tool) counts them: Einsum excluded. */
  torchprofileMacs: number;
  linearMacs: number;
  flops: number;
  elementwise: number;
  elementwiseByOp: Record<string, number>;
  opCounts: Record<string, number>;
  nodes: NodeStats[];
}

/** Options of analyzeModel. */
export interface AnalyzeOptions {
  /** Value of a symbolic leading (batch) dimension; default 1. */
  batch?: number;
  /** Values of other symbolic input dimensions by name. */
  dims?: Record<string, number>;
}

/** Thrown when a graph cannot be analysed; names the node and op where it applies. */
export class GraphAnalysisError extends Error {
  override name = "GraphAnalysisError";
}

const LINEAR_OPS = new Set(["MatMul", "Gemm", "Conv", "ConvTranspose", "Einsum"]);
const SHAPE_OPS = new Set([
  "Reshape",
  "Transpose",
  "Flatten",
  "Squeeze",
  "Unsqueeze",
  "Concat",
  "Split",
  "Slice",
  "Gather",
  "GatherElements",
  "GatherND",
  "Expand",
  "Tile",
  "Pad",
  "Shape",
  "Size",
  "Constant",
  "ConstantOfShape",
  "Range",
  "Identity",
  "Cast",
  "CastLike",
  "Dropout",
  "DepthToSpace",
  "SpaceToDepth",
  "ScatterND",
  "ScatterElements",
  "Scatter",
  "TopK",
  "ArgMax",
  "ArgMin",
  "Trilu",
  "OneHot",
  "Equal",
  "Less",
  "Greater",
  "LessOrEqual",
  "GreaterOrEqual",
  "Not",
  "And",
  "Or",
  "Xor",
  "Where",
  "IsNaN",
  "IsInf",
  "MaxPool",
  "GlobalMaxPool",
  "ReduceMax",
  "ReduceMin",
  "Relu",
  "Clip",
  "Resize",
]);
const FLOPS_PER_ELEMENT: Record<string, number> = {
  Add: 1,
  Sub: 1,
  Mul: 1,
  Div: 1,
  Reciprocal: 1,
  Sum: 1,
  Softmax: 5,
  LogSoftmax: 5,
  Gelu: 8,
  Exp: 20,
  Log: 20,
  Sigmoid: 22,
  Pow: 3,
  Sin: 1,
  Cos: 1,
  HardSigmoid: 1,
  HardSwish: 1,
};
const MACS_PER_OUTPUT = new Set([
  "Mul",
  "LayerNormalization",
  "InstanceNormalization",
  "GroupNormalization",
  "BatchNormalization",
  "AveragePool",
  "GlobalAveragePool",
  "ReduceMean",
  "LeakyRelu",
]);

/**
 * Returns the parameters, MACs and FLOPs of an ONNX model (bytes or an already read graph).
 * Throws GraphAnalysisError (naming the op and node) for unknown ops or shapes it cannot resolve.
 */
export function analyzeModel(model: Uint8Array | ReadGraph, options: AnalyzeOptions = {}): GraphStats {
  const g = model instanceof Uint8Array ? readModel(model) : model;
  const batch = options.batch ?? 1;
  const known = new Map<string, TensorInfo>();
  const consumed = new Set<string>();
  const floatInit = new Map<string, number>();
  for (const t of g.initializers) {
    if (!t.dtype) throw new GraphAnalysisError(`initializer "${t.name}" has an unsupported element type`);
    known.set(t.name, { dtype: t.dtype, shape: t.dims, value: t.values ?? undefined });
    if (isFloat(t.dtype)) floatInit.set(t.name, numel(t.dims));
  }
  const inputs: GraphStats["inputs"] = [];
  for (const inp of g.inputs) {
    const shape = inp.shape.map((d, i): number => {
      if (typeof d === "number") return d;
      if (options.dims?.[d] !== undefined) return options.dims[d];
      if (i === 0) return batch;
      throw new GraphAnalysisError(
        `graph input "${inp.name}" has symbolic dimension "${d}" at axis ${i}; give its value (e.g. --dim ${d}=224)`,
      );
    });
    known.set(inp.name, { dtype: inp.dtype, shape });
    inputs.push({ name: inp.name, shape });
  }

  const producer = new Map<string, string>();
  const nodes: NodeStats[] = [];
  const opCounts: Record<string, number> = {};
  const elementwiseByOp: Record<string, number> = {};
  let pending = [...g.nodes];
  while (pending.length > 0) {
    const next: typeof pending = [];
    for (const n of pending) {
      if (!n.inputs.every((name) => name === "" || known.has(name))) {
        next.push(n);
        continue;
      }
      const ins = n.inputs.map((name) => (name === "" ? null : known.get(name)!));
      let outs: TensorInfo[];
      try {
        outs = inferNode(
          { opType: n.opType, name: n.name, domain: n.domain, attrs: n.attrs, outputCount: n.outputs.length },
          ins,
          g.opset,
        );
      } catch (e) {
        if (e instanceof ShapeInferenceError) throw new GraphAnalysisError(e.message);
        throw e;
      }
      n.outputs.forEach((name, i) => {
        if (name && outs[i]) {
          const s = outs[i].shape;
          if (!isStatic(s))
            throw new GraphAnalysisError(
              `${n.opType} node "${n.name}": output "${name}" has unresolved shape [${s.join(",")}]`,
            );
          known.set(name, outs[i]);
          producer.set(name, n.opType);
        }
      });
      let params = 0;
      for (const name of n.inputs) {
        if (floatInit.has(name) && !consumed.has(name)) {
          consumed.add(name);
          params += floatInit.get(name)!;
        }
      }
      const stats = nodeCost(n, ins, outs, producer, floatInit);
      stats.parameters = params;
      nodes.push(stats);
      opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
      if (stats.elementwise) elementwiseByOp[n.opType] = (elementwiseByOp[n.opType] ?? 0) + stats.elementwise;
    }
    if (next.length === pending.length) {
      const n = next[0];
      const missing = n.inputs.filter((name) => name !== "" && !known.has(name));
      throw new GraphAnalysisError(
        `${n.opType} node "${n.name}": input(s) ${missing.map((m) => `"${m}"`).join(", ")} are never produced`,
      );
    }
    pending = next;
  }
  const outputs = g.outputs.map((name) => {
    const t = known.get(name);
    if (!t) throw new GraphAnalysisError(`graph output "${name}" is never produced`);
    return { name, shape: t.shape as number[] };
  });
  const sum = (k: "macs" | "linearMacs" | "flops" | "elementwise") => nodes.reduce((s, n) => s + n[k], 0);
  return {
    name: g.name,
    opset: g.opset,
    batch,
    inputs,
    outputs,
    parameters: [...floatInit.values()].reduce((a, b) => a + b, 0),
    macs: sum("macs"),
    torchprofileMacs: nodes.reduce((t, n) => t + (n.opType === "Einsum" ? 0 : n.macs), 0),
    linearMacs: sum("linearMacs"),
    flops: sum("flops"),
    elementwise: sum("elementwise"),
    elementwiseByOp,
    opCounts,
    nodes,
  };
}

function nodeCost(
  n: ReadGraph["nodes"][number],
  ins: ReadonlyArray<TensorInfo | null>,
  outs: ReadonlyArray<TensorInfo>,
  producer: Map<string, string>,
  floatInit: Map<string, number>,
): NodeStats {
  const outShapes = outs.map((o) => [...(o.shape as number[])]);
  const out0 = outShapes[0] ?? [];
  const outN = numel(out0);
  const inN = ins[0] ? numel(ins[0].shape) : 0;
  const s: NodeStats = {
    name: n.name,
    opType: n.opType,
    outputShapes: outShapes,
    parameters: 0,
    macs: 0,
    linearMacs: 0,
    flops: 0,
    elementwise: 0,
  };
  if (LINEAR_OPS.has(n.opType)) {
    s.linearMacs = linearMacs(n, ins, out0);
    s.macs = s.linearMacs;
    s.flops = s.linearMacs;
    return s;
  }
  if (SHAPE_OPS.has(n.opType)) {
    // Data movement and comparisons: no arithmetic in either convention (Relu, Clip and MaxPool included, as in both tools).
    if (n.opType === "Relu" || n.opType === "Clip" || n.opType === "MaxPool") s.elementwise = outN;
    // torchprofile counts bilinear upsampling as 4 MACs per output element; fvcore's setup here does not count it.
    if (n.opType === "Resize" && n.attrs.mode === "linear") s.macs = 4 * outN;
    return s;
  }
  s.elementwise = outN;
  if (MACS_PER_OUTPUT.has(n.opType)) s.macs = outN;
  switch (n.opType) {
    case "Add": {
      // The bias of a linear/conv layer is part of that layer in fvcore (addmm/linear/conv).
      const initIdx = n.inputs.findIndex((name) => floatInit.has(name));
      const biasLike =
        initIdx >= 0 &&
        (ins[initIdx]?.shape.length ?? 9) <= 1 &&
        n.inputs.some((name, i) => i !== initIdx && LINEAR_OPS.has(producer.get(name) ?? ""));
      s.flops = biasLike ? 0 : outN;
      break;
    }
    case "LayerNormalization":
      s.flops = 5 * inN;
      break;
    case "BatchNormalization":
      s.flops = 2 * inN;
      break;
    case "ReduceMean":
    case "AveragePool":
    case "GlobalAveragePool":
      s.flops = inN;
      break;
    case "ReduceSum": {
      const outCount = outN;
      s.flops = outCount > 0 ? inN - outCount : 0;
      break;
    }
    case "CumSum": {
      const d = Math.max(...(ins[0]!.shape as number[]));
      s.flops = Math.floor((inN * (d - 1)) / 2);
      break;
    }
    case "DFT": {
      const x = ins[0]!.shape as number[];
      const axisDim = outShapes[0][axisOfDft(n, ins, x.length)] ?? 1;
      const real = x[x.length - 1] === 1;
      s.flops = Math.floor((real ? 2.5 : 5) * (real ? inN : outN / 2) * Math.log2(Math.max(axisDim, 1)));
      break;
    }
    default:
      s.flops = (FLOPS_PER_ELEMENT[n.opType] ?? 0) * outN;
  }
  return s;
}

function axisOfDft(
  n: ReadGraph["nodes"][number],
  ins: ReadonlyArray<TensorInfo | null>,
  rank: number,
): number {
  const v = ins[2]?.value?.[0];
  const raw =
    typeof v === "number" ? v : typeof n.attrs.axis === "number" ? n.attrs.axis : ins.length > 2 ? -2 : 1;
  return raw < 0 ? raw + rank : raw;
}

function linearMacs(
  n: ReadGraph["nodes"][number],
  ins: ReadonlyArray<TensorInfo | null>,
  out: number[],
): number {
  const a = ins[0]!.shape as number[];
  const w = ins[1]!.shape as number[];
  switch (n.opType) {
    case "MatMul": {
      const k = a[a.length - 1];
      return numel(out) * k;
    }
    case "Gemm": {
      const k = n.attrs.transA ? a[0] : a[1];
      return numel(out) * k;
    }
    case "Conv":
      // out elements × (in channels / groups) × kernel area: weight is [out, in/g, k...].
      return numel(out) * numel(w.slice(1));
    case "ConvTranspose":
      // every input element meets (out channels / groups) × kernel area weights: weight is [in, out/g, k...].
      return numel(a) * numel(w.slice(1));
    case "Einsum": {
      const sizes = einsumLabelSizes(
        String(n.attrs.equation),
        ins.map((t) => t!.shape),
      );
      let p = 1;
      for (const d of sizes.values()) p *= d as number;
      return p;
    }
  }
  return 0;
}

/** Returns a dimension list as numbers (for display), failing on symbols. */
export function staticDims(shape: ReadonlyArray<Dim>): number[] {
  return shape.map((d) => {
    if (typeof d !== "number") throw new GraphAnalysisError(`unresolved dimension ${d}`);
    return d;
  });
}
