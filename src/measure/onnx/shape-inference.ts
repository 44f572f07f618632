import type { DType } from "./dtype.js";

/**
 * Favor's own static shape inference over ONNX operators (onnxruntime-node exposes none and no JS
 * library for it is installed). One rule per operator, shared by the graph builder (which infers each
 * node as it is added, with a symbolic batch dimension) and by the analyzer of any .onnx file (batch
 * fixed to 1). Small integer tensors (shape arithmetic: Shape → Gather → Concat → Reshape) carry their
 * values so that shapes computed inside a graph resolve statically.
 */

/** A dimension: a number, or a symbol such as "batch" ("?" means unknown). */
export type Dim = number | string;
/** A static or partly symbolic shape. */
export type Shape = ReadonlyArray<Dim>;

/** What inference knows about one tensor. `value` is set for small tensors whose contents are known. */
export interface TensorInfo {
  dtype: DType;
  shape: Shape;
  value?: ReadonlyArray<Dim>;
}

/** A constant tensor carried by an attribute (Constant's `value`, ConstantOfShape's `value`). */
export interface AttrTensor {
  dtype: DType;
  dims: number[];
  /** Decoded contents; null when too large to decode. */
  data: number[] | null;
}

/** A decoded attribute value. */
export type AttrValue = number | string | number[] | string[] | AttrTensor;

/** The decoded attributes of a node. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** One node as inference sees it. */
export interface InferNode {
  opType: string;
  name: string;
  domain?: string;
  attrs: Attrs;
  /** Number of outputs the node declares. */
  outputCount: number;
}

/** Thrown when inference cannot continue; names the node and the operator. */
export class ShapeInferenceError extends Error {
  constructor(
    readonly opType: string,
    readonly nodeName: string,
    reason: string,
  ) {
    super(`${opType} node "${nodeName}": ${reason}`);
    this.name = "ShapeInferenceError";
  }
}

/** Thrown for an operator Favor has no inference rule for. */
export class UnsupportedOpError extends ShapeInferenceError {
  constructor(opType: string, nodeName: string, domain?: string) {
    super(
      opType,
      nodeName,
      `unsupported operator ${domain ? `${domain}::` : ""}${opType} (Favor's shape inference has no rule for it)`,
    );
    this.name = "UnsupportedOpError";
  }
}

/** Largest tensor whose contents inference propagates. */
const MAX_VALUE_ELEMENTS = 4096;

/** Returns the number of elements of a shape, or NaN when a dimension is symbolic. */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= typeof d === "number" ? d : NaN;
  return n;
}

/** Returns true when every dimension is a number. */
export function isStatic(shape: Shape): shape is ReadonlyArray<number> {
  return shape.every((d) => typeof d === "number");
}

/** Returns the set of operator types this module infers. */
export function supportedOps(): string[] {
  return Object.keys(RULES).sort();
}

/**
 * Returns the output infos of one node from its input infos (null for an omitted optional input).
 * Throws UnsupportedOpError for an unknown op and ShapeInferenceError for inconsistent inputs.
 */
export function inferNode(
  node: InferNode,
  inputs: ReadonlyArray<TensorInfo | null>,
  opset: number,
): TensorInfo[] {
  if (node.domain && node.domain !== "ai.onnx")
    throw new UnsupportedOpError(node.opType, node.name, node.domain);
  const rule = RULES[node.opType];
  if (!rule) throw new UnsupportedOpError(node.opType, node.name);
  const ctx = new Ctx(node, inputs, opset);
  const outs = rule(ctx);
  return outs.slice(0, Math.max(node.outputCount, 1));
}

class Ctx {
  constructor(
    readonly node: InferNode,
    readonly inputs: ReadonlyArray<TensorInfo | null>,
    readonly opset: number,
  ) {}

  fail(reason: string): never {
    throw new ShapeInferenceError(this.node.opType, this.node.name, reason);
  }

  in(i: number): TensorInfo {
    const t = this.inputs[i];
    if (!t) this.fail(`input ${i} is missing`);
    return t;
  }

  opt(i: number): TensorInfo | null {
    return this.inputs[i] ?? null;
  }

  int(name: string, dflt: number): number {
    const v = this.node.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== "number") this.fail(`attribute ${name} must be an int`);
    return v;
  }

  ints(name: string): number[] | undefined {
    const v = this.node.attrs[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail(`attribute ${name} must be a list of ints`);
    return v as number[];
  }

  str(name: string, dflt: string): string {
    const v = this.node.attrs[name];
    if (v === undefined) return dflt;
    if (typeof v !== "string") this.fail(`attribute ${name} must be a string`);
    return v;
  }

  /** Returns the known numeric contents of input i, or fails naming what is missing. */
  values(i: number, what: string): number[] {
    const t = this.in(i);
    if (!t.value) this.fail(`${what} (input ${i}) must be a constant or computable from shapes`);
    return t.value.map((v) =>
      typeof v === "number" ? v : this.fail(`${what} depends on symbolic dimension ${v}`),
    );
  }

  /** Returns the contents of input i allowing symbols (for shape tensors). */
  dims(i: number, what: string): Dim[] {
    const t = this.in(i);
    if (!t.value) this.fail(`${what} (input ${i}) must be a constant or computable from shapes`);
    return [...t.value];
  }

  axis(a: number, rank: number): number {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) this.fail(`axis ${a} out of range for rank ${rank}`);
    return r;
  }
}

type Rule = (c: Ctx) => TensorInfo[];

function withValue(info: TensorInfo, compute: () => Dim[] | undefined): TensorInfo {
  const n = numel(info.shape);
  if (!(n <= MAX_VALUE_ELEMENTS)) return info;
  const value = compute();
  return value ? { ...info, value } : info;
}

/** Numpy-style broadcast of several shapes. */
function broadcast(c: Ctx, shapes: ReadonlyArray<Shape>): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const e = s[k];
      if (e === 1) continue;
      if (d === 1) d = e;
      else if (d !== e) {
        if (typeof d === "string" || typeof e === "string") d = typeof d === "string" ? e : d;
        else c.fail(`cannot broadcast shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")}`);
      }
    }
    out.push(d);
  }
  return out;
}

/** Index of a flat element in a broadcast operand. */
function broadcastIndex(outShape: ReadonlyArray<number>, inShape: Shape, flat: number): number {
  let idx = 0;
  let stride = 1;
  let rem = flat;
  const coords: number[] = new Array(outShape.length);
  for (let i = outShape.length - 1; i >= 0; i--) {
    coords[i] = rem % outShape[i];
    rem = Math.floor(rem / outShape[i]);
  }
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = outShape.length - inShape.length + i;
    const d = inShape[i] as number;
    idx += (d === 1 ? 0 : coords[o]) * stride;
    stride *= d;
  }
  return idx;
}

function symArith(op: string, a: Dim, b: Dim): Dim {
  if (typeof a === "number" && typeof b === "number") {
    switch (op) {
      case "Add":
        return a + b;
      case "Sub":
        return a - b;
      case "Mul":
        return a * b;
      case "Div":
        return b === 0 ? NaN : Math.trunc(a / b) === a / b ? a / b : a / b;
      case "Pow":
        return a ** b;
      case "Max":
        return Math.max(a, b);
      case "Min":
        return Math.min(a, b);
      case "Mod":
        return a % b;
      case "Equal":
        return a === b ? 1 : 0;
      case "Less":
        return a < b ? 1 : 0;
      case "Greater":
        return a > b ? 1 : 0;
      case "LessOrEqual":
        return a <= b ? 1 : 0;
      case "GreaterOrEqual":
        return a >= b ? 1 : 0;
      case "And":
        return a && b ? 1 : 0;
      case "Or":
        return a || b ? 1 : 0;
    }
    return NaN;
  }
  if ((op === "Mul" || op === "Div") && b === 1) return a;
  if (op === "Mul" && a === 1) return b;
  if ((op === "Add" || op === "Sub") && b === 0) return a;
  if (op === "Add" && a === 0) return b;
  if (op === "Equal" && a === b) return 1;
  return "?";
}

const binary =
  (op: string, boolOut = false): Rule =>
  (c) => {
    const a = c.in(0);
    const b = c.in(1);
    const shape = broadcast(c, [a.shape, b.shape]);
    const info: TensorInfo = { dtype: boolOut ? "bool" : a.dtype, shape };
    return [
      withValue(info, () => {
        if (!a.value || !b.value || !isStatic(shape)) return undefined;
        const n = numel(shape);
        const out: Dim[] = [];
        for (let i = 0; i < n; i++) {
          let r = symArith(
            op,
            a.value[broadcastIndex(shape, a.shape, i)],
            b.value[broadcastIndex(shape, b.shape, i)],
          );
          if (
            op === "Div" &&
            typeof r === "number" &&
            a.dtype !== "float32" &&
            a.dtype !== "float16" &&
            a.dtype !== "float64"
          )
            r = Math.trunc(r);
          out.push(r);
        }
        return out;
      }),
    ];
  };

const UNARY_VALUE: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Sqrt: Math.sqrt,
  Relu: (x) => Math.max(0, x),
  Round: Math.round,
  Reciprocal: (x) => 1 / x,
  Not: (x) => (x ? 0 : 1),
  Identity: (x) => x,
  Sign: Math.sign,
  Exp: Math.exp,
  Log: Math.log,
};

const sameShape =
  (dtype?: DType): Rule =>
  (c) => {
    const x = c.in(0);
    const info: TensorInfo = { dtype: dtype ?? x.dtype, shape: [...x.shape] };
    const f = UNARY_VALUE[c.node.opType];
    const out = [
      withValue(info, () =>
        x.value && f
          ? x.value.map((v) => (typeof v === "number" ? f(v) : c.node.opType === "Identity" ? v : "?"))
          : undefined,
      ),
    ];
    // Extra outputs (Dropout mask, etc.) share the shape.
    for (let i = 1; i < c.node.outputCount; i++) out.push({ dtype: "bool", shape: [...x.shape] });
    return out;
  };

const DTYPE_CODES: Record<number, DType> = {
  1: "float32",
  2: "uint8",
  3: "int8",
  6: "int32",
  7: "int64",
  9: "bool",
  10: "float16",
  11: "float64",
};

function dtypeOfCode(c: Ctx, code: number): DType {
  const d = DTYPE_CODES[code];
  if (!d) c.fail(`unsupported data type code ${code}`);
  return d;
}

function poolLike(c: Ctx, x: Shape, kernel: number[], outChannels: Dim): Dim[] {
  const spatial = x.length - 2;
  const strides = c.ints("strides") ?? new Array(spatial).fill(1);
  const dil = c.ints("dilations") ?? new Array(spatial).fill(1);
  const pads = c.ints("pads") ?? new Array(2 * spatial).fill(0);
  const autoPad = c.str("auto_pad", "NOTSET");
  const ceil = c.int("ceil_mode", 0);
  const out: Dim[] = [x[0], outChannels];
  for (let i = 0; i < spatial; i++) {
    const inDim = x[2 + i];
    if (typeof inDim !== "number") {
      out.push("?");
      continue;
    }
    const k = (kernel[i] - 1) * dil[i] + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") out.push(Math.ceil(inDim / strides[i]));
    else if (autoPad === "VALID") out.push(Math.floor((inDim - k) / strides[i]) + 1);
    else {
      const span = inDim + pads[i] + pads[i + spatial] - k;
      let o = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
      // A ceil-mode window must start inside the (left-padded) input.
      if (ceil && (o - 1) * strides[i] >= inDim + pads[i]) o--;
      out.push(o);
    }
  }
  return out;
}

function reduceAxes(c: Ctx, rank: number): number[] | null {
  let axes: number[] | undefined;
  if (c.opt(1)) axes = c.values(1, "axes");
  else axes = c.ints("axes");
  if (!axes || axes.length === 0) {
    if (c.int("noop_with_empty_axes", 0)) return [];
    return null;
  }
  return axes.map((a) => c.axis(a, rank));
}

const reduce: Rule = (c) => {
  const x = c.in(0);
  const rank = x.shape.length;
  const axes = reduceAxes(c, rank);
  const keep = c.int("keepdims", 1);
  const all = axes ?? [...Array(rank).keys()];
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (all.includes(i)) {
      if (keep) shape.push(1);
    } else shape.push(d);
  });
  return [{ dtype: x.dtype, shape }];
};

function einsumShape(c: Ctx, eq: string, shapes: ReadonlyArray<Shape>): Dim[] {
  const [lhs, rhsRaw] = eq.replace(/\s/g, "").split("->");
  const terms = lhs.split(",");
  if (terms.length !== shapes.length)
    c.fail(`equation "${eq}" has ${terms.length} operands, node has ${shapes.length}`);
  const sizes = new Map<string, Dim>();
  let ellipsis: Dim[] = [];
  terms.forEach((t, k) => {
    const s = shapes[k];
    const hasEll = t.includes("...");
    const letters = t.replace("...", "");
    const ellRank = hasEll ? s.length - letters.length : 0;
    if (ellRank < 0 || (!hasEll && letters.length !== s.length))
      c.fail(`operand ${k} "${t}" does not match rank ${s.length}`);
    let pos = 0;
    for (let i = 0; i < t.length; i++) {
      if (t.startsWith("...", i)) {
        const e = s.slice(pos, pos + ellRank);
        ellipsis = e.length > ellipsis.length ? [...e] : ellipsis;
        pos += ellRank;
        i += 2;
        continue;
      }
      const ch = t[i];
      const d = s[pos++];
      const prev = sizes.get(ch);
      if (prev === undefined || prev === 1) sizes.set(ch, d);
    }
  });
  let rhs = rhsRaw;
  if (rhs === undefined) {
    const counts = new Map<string, number>();
    for (const ch of lhs.replace(/[.,]/g, "")) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    rhs =
      (lhs.includes("...") ? "..." : "") +
      [...counts]
        .filter(([, n]) => n === 1)
        .map(([ch]) => ch)
        .sort()
        .join("");
  }
  const out: Dim[] = [];
  for (let i = 0; i < rhs.length; i++) {
    if (rhs.startsWith("...", i)) {
      out.push(...ellipsis);
      i += 2;
      continue;
    }
    const d = sizes.get(rhs[i]);
    if (d === undefined) c.fail(`output letter ${rhs[i]} not in inputs of "${eq}"`);
    out.push(d);
  }
  return out;
}

/** Returns the label sizes of an einsum (used by the MAC counter). */
export function einsumLabelSizes(eq: string, shapes: ReadonlyArray<Shape>): Map<string, Dim> {
  const lhs = eq.replace(/\s/g, "").split("->")[0];
  const sizes = new Map<string, Dim>();
  lhs.split(",").forEach((t, k) => {
    const s = shapes[k];
    const letters = t.replace("...", "");
    const ellRank = s.length - letters.length;
    let pos = 0;
    for (let i = 0; i < t.length; i++) {
      if (t.startsWith("...", i)) {
        for (let e = 0; e < ellRank; e++) sizes.set(`...${e - ellRank}`, s[pos + e]);
        pos += ellRank;
        i += 2;
        continue;
      }
      const prev = sizes.get(t[i]);
      const d = s[pos++];
      if (prev === undefined || prev === 1) sizes.set(t[i], d);
    }
  });
  return sizes;
}

function sliceRange(dim: number, start: number, end: number, step: number): number {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (step > 0) {
    const s = clamp(start < 0 ? start + dim : start, 0, dim);
    const e = clamp(end < 0 ? end + dim : end, 0, dim);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  const s = clamp(start < 0 ? start + dim : start, -1, dim - 1);
  const e = clamp(end < 0 ? end + dim : end, -1, dim - 1);
  return Math.max(0, Math.ceil((e - s) / step));
}

function sliceStart(dim: number, start: number, step: number): number {
  if (step > 0) return Math.min(Math.max(start < 0 ? start + dim : start, 0), dim);
  return Math.min(Math.max(start < 0 ? start + dim : start, -1), dim - 1);
}

function stridesOf(shape: ReadonlyArray<number>): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

const RULES: Record<string, Rule> = {};

for (const op of ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "BitShift"]) RULES[op] = binary(op);
for (const op of ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"])
  RULES[op] = binary(op, true);
for (const op of [
  "Relu",
  "Sigmoid",
  "Tanh",
  "Erf",
  "Exp",
  "Log",
  "Sqrt",
  "Neg",
  "Abs",
  "Reciprocal",
  "Gelu",
  "Softplus",
  "Softsign",
  "HardSigmoid",
  "HardSwish",
  "LeakyRelu",
  "Elu",
  "Selu",
  "Celu",
  "Mish",
  "Identity",
  "Floor",
  "Ceil",
  "Round",
  "Sign",
  "Clip",
  "Sin",
  "Cos",
  "Tan",
  "Atan",
  "Asin",
  "Acos",
  "Sinh",
  "Cosh",
  "Softmax",
  "LogSoftmax",
  "Hardmax",
  "CumSum",
  "Trilu",
  "LRN",
  "InstanceNormalization",
  "GroupNormalization",
  "LpNormalization",
  "MeanVarianceNormalization",
  "BatchNormalization",
  "Dropout",
  "ThresholdedRelu",
  "Shrink",
])
  RULES[op] = sameShape();
RULES.Not = sameShape("bool");
RULES.IsNaN = sameShape("bool");
RULES.IsInf = sameShape("bool");
RULES.Dropout = (c) => {
  const x = c.in(0);
  const out: TensorInfo[] = [{ ...x, shape: [...x.shape] }];
  if (c.node.outputCount > 1) out.push({ dtype: "bool", shape: [...x.shape] });
  return out;
};
RULES.BatchNormalization = (c) => {
  const x = c.in(0);
  if (c.node.outputCount > 1 && c.int("training_mode", 0)) c.fail("training_mode outputs are not supported");
  return [{ dtype: x.dtype, shape: [...x.shape] }];
};
RULES.Cast = (c) => {
  const x = c.in(0);
  const info: TensorInfo = { dtype: dtypeOfCode(c, c.int("to", 1)), shape: [...x.shape] };
  return [withValue(info, () => (x.value ? [...x.value] : undefined))];
};
RULES.CastLike = (c) => {
  const x = c.in(0);
  return [
    withValue({ dtype: c.in(1).dtype, shape: [...x.shape] }, () => (x.value ? [...x.value] : undefined)),
  ];
};
for (const op of ["Sum", "Max", "Min", "Mean"]) {
  RULES[op] = (c) => {
    const ins = c.inputs.filter((t): t is TensorInfo => !!t);
    if (ins.length === 0) c.fail("needs at least one input");
    const shape = broadcast(
      c,
      ins.map((t) => t.shape),
    );
    const info: TensorInfo = { dtype: ins[0].dtype, shape };
    if (ins.length === 2 && (op === "Max" || op === "Min")) return binary(op)(c);
    return [info];
  };
}
RULES.Where = (c) => {
  const cond = c.in(0);
  const x = c.in(1);
  const y = c.in(2);
  const shape = broadcast(c, [cond.shape, x.shape, y.shape]);
  return [
    withValue({ dtype: x.dtype, shape }, () => {
      if (!cond.value || !x.value || !y.value || !isStatic(shape)) return undefined;
      const out: Dim[] = [];
      for (let i = 0; i < numel(shape); i++) {
        out.push(
          cond.value[broadcastIndex(shape, cond.shape, i)]
            ? x.value[broadcastIndex(shape, x.shape, i)]
            : y.value[broadcastIndex(shape, y.shape, i)],
        );
      }
      return out;
    }),
  ];
};

RULES.MatMul = (c) => {
  const a = c.in(0);
  const b = c.in(1);
  let as = [...a.shape];
  let bs = [...b.shape];
  if (as.length === 0 || bs.length === 0) c.fail("MatMul inputs must have rank ≥ 1");
  const aVec = as.length === 1;
  const bVec = bs.length === 1;
  if (aVec) as = [1, as[0]];
  if (bVec) bs = [bs[0], 1];
  const k1 = as[as.length - 1];
  const k2 = bs[bs.length - 2];
  if (typeof k1 === "number" && typeof k2 === "number" && k1 !== k2) {
    c.fail(`inner dimensions differ: [${a.shape.join(",")}] x [${b.shape.join(",")}]`);
  }
  const batch = broadcast(c, [as.slice(0, -2), bs.slice(0, -2)]);
  const shape: Dim[] = [...batch];
  if (!aVec) shape.push(as[as.length - 2]);
  if (!bVec) shape.push(bs[bs.length - 1]);
  return [{ dtype: a.dtype, shape }];
};
RULES.Gemm = (c) => {
  const a = c.in(0);
  const b = c.in(1);
  if (a.shape.length !== 2 || b.shape.length !== 2) c.fail("Gemm inputs must be 2-D");
  const m = c.int("transA", 0) ? a.shape[1] : a.shape[0];
  const ka = c.int("transA", 0) ? a.shape[0] : a.shape[1];
  const kb = c.int("transB", 0) ? b.shape[1] : b.shape[0];
  const n = c.int("transB", 0) ? b.shape[0] : b.shape[1];
  if (typeof ka === "number" && typeof kb === "number" && ka !== kb)
    c.fail(`inner dimensions differ (${ka} vs ${kb})`);
  return [{ dtype: a.dtype, shape: [m, n] }];
};
RULES.Conv = (c) => {
  const x = c.in(0);
  const w = c.in(1);
  const group = c.int("group", 1);
  if (x.shape.length < 3) c.fail(`input rank ${x.shape.length} < 3`);
  const cin = x.shape[1];
  if (typeof cin === "number" && typeof w.shape[1] === "number" && cin !== (w.shape[1] as number) * group) {
    c.fail(`input has ${cin} channels, weight expects ${w.shape[1]} x group ${group}`);
  }
  const kernel = c.ints("kernel_shape") ?? (w.shape.slice(2) as number[]);
  return [{ dtype: x.dtype, shape: poolLike(c, x.shape, kernel, w.shape[0]) }];
};
RULES.ConvTranspose = (c) => {
  const x = c.in(0);
  const w = c.in(1);
  const group = c.int("group", 1);
  const spatial = x.shape.length - 2;
  const kernel = c.ints("kernel_shape") ?? (w.shape.slice(2) as number[]);
  const strides = c.ints("strides") ?? new Array(spatial).fill(1);
  const dil = c.ints("dilations") ?? new Array(spatial).fill(1);
  const pads = c.ints("pads") ?? new Array(2 * spatial).fill(0);
  const outPad = c.ints("output_padding") ?? new Array(spatial).fill(0);
  const explicit = c.ints("output_shape");
  const shape: Dim[] = [x.shape[0], typeof w.shape[1] === "number" ? (w.shape[1] as number) * group : "?"];
  for (let i = 0; i < spatial; i++) {
    const d = x.shape[2 + i];
    if (explicit) shape.push(explicit[explicit.length - spatial + i]);
    else if (typeof d !== "number") shape.push("?");
    else
      shape.push(
        strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[i + spatial],
      );
  }
  return [{ dtype: x.dtype, shape }];
};
for (const op of ["MaxPool", "AveragePool", "LpPool"]) {
  RULES[op] = (c) => {
    const x = c.in(0);
    const kernel = c.ints("kernel_shape") ?? c.fail("kernel_shape is required");
    const shape = poolLike(c, x.shape, kernel, x.shape[1]);
    const out: TensorInfo[] = [{ dtype: x.dtype, shape }];
    if (c.node.outputCount > 1) out.push({ dtype: "int64", shape });
    return out;
  };
}
for (const op of ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"]) {
  RULES[op] = (c) => {
    const x = c.in(0);
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
  };
}
RULES.LayerNormalization = (c) => {
  const x = c.in(0);
  const axis = c.axis(c.int("axis", -1), x.shape.length);
  const stat = x.shape.map((d, i) => (i >= axis ? 1 : d));
  const out: TensorInfo[] = [{ dtype: x.dtype, shape: [...x.shape] }];
  for (let i = 1; i < c.node.outputCount; i++) out.push({ dtype: "float32", shape: stat });
  return out;
};

RULES.Reshape = (c) => {
  const x = c.in(0);
  const target = c.dims(1, "shape");
  const allowZero = c.int("allowzero", 0);
  const out: Dim[] = target.map((d, i) =>
    d === 0 && !allowZero ? (x.shape[i] ?? c.fail(`shape[${i}] = 0 copies a missing input dimension`)) : d,
  );
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    if (out.indexOf(-1, minus + 1) >= 0) c.fail("shape has more than one -1");
    out[minus] = divideShapes(
      x.shape,
      out.filter((_, i) => i !== minus),
    );
    if (out[minus] === "!") c.fail(`cannot reshape [${x.shape.join(",")}] to [${target.join(",")}]`);
  } else {
    const ratio = divideShapes(x.shape, out);
    if (ratio !== 1 && ratio !== "?") c.fail(`cannot reshape [${x.shape.join(",")}] to [${out.join(",")}]`);
  }
  return [withValue({ dtype: x.dtype, shape: out }, () => (x.value ? [...x.value] : undefined))];
};

/** Returns prod(num) / prod(den) over symbolic dims: a number, a single symbol, "?" or "!" (impossible). */
function divideShapes(num: Shape, den: Shape): Dim {
  let n = 1;
  let d = 1;
  const syms: string[] = [];
  for (const x of num) {
    if (typeof x === "number") n *= x;
    else syms.push(x);
  }
  for (const x of den) {
    if (typeof x === "number") d *= x;
    else {
      const k = syms.indexOf(x);
      if (k >= 0 && x !== "?") syms.splice(k, 1);
      else return "?";
    }
  }
  if (d === 0 || n % d !== 0) return syms.length ? "?" : "!";
  const q = n / d;
  if (syms.length === 0) return q;
  if (syms.length === 1 && q === 1) return syms[0];
  return "?";
}

RULES.Transpose = (c) => {
  const x = c.in(0);
  const perm = c.ints("perm") ?? [...Array(x.shape.length).keys()].reverse();
  if (perm.length !== x.shape.length) c.fail(`perm has ${perm.length} entries for rank ${x.shape.length}`);
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
};
RULES.Flatten = (c) => {
  const x = c.in(0);
  const axis = c.int("axis", 1);
  const a = axis < 0 ? axis + x.shape.length : axis;
  const pre = x.shape.slice(0, a);
  const post = x.shape.slice(a);
  const mul = (s: Shape): Dim => (s.length === 0 ? 1 : s.length === 1 ? s[0] : isStatic(s) ? numel(s) : "?");
  return [{ dtype: x.dtype, shape: [mul(pre), mul(post)] }];
};
RULES.Squeeze = (c) => {
  const x = c.in(0);
  const axesRaw = c.opt(1) ? c.values(1, "axes") : c.ints("axes");
  const axes = axesRaw
    ? axesRaw.map((a) => c.axis(a, x.shape.length))
    : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of axes)
    if (x.shape[a] !== 1 && typeof x.shape[a] === "number")
      c.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return [
    withValue({ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }, () =>
      x.value ? [...x.value] : undefined,
    ),
  ];
};
RULES.Unsqueeze = (c) => {
  const x = c.in(0);
  const axesRaw = (c.opt(1) ? c.values(1, "axes") : c.ints("axes")) ?? c.fail("axes are required");
  const rank = x.shape.length + axesRaw.length;
  const axes = axesRaw.map((a) => c.axis(a, rank)).sort((p, q) => p - q);
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return [withValue({ dtype: x.dtype, shape }, () => (x.value ? [...x.value] : undefined))];
};
RULES.Concat = (c) => {
  const ins = c.inputs.filter((t): t is TensorInfo => !!t);
  if (ins.length === 0) c.fail("needs at least one input");
  const rank = ins[0].shape.length;
  const axis = c.axis(c.int("axis", 0), rank);
  const shape = [...ins[0].shape];
  let total: Dim = 0;
  for (const t of ins) {
    if (t.shape.length !== rank) c.fail(`inputs differ in rank (${rank} vs ${t.shape.length})`);
    const d = t.shape[axis];
    total = typeof total === "number" && typeof d === "number" ? total + d : total === 0 ? d : "?";
    t.shape.forEach((e, i) => {
      if (i !== axis && typeof e === "number" && typeof shape[i] === "number" && e !== shape[i]) {
        c.fail(`inputs differ in dimension ${i} (${shape[i]} vs ${e})`);
      }
    });
  }
  shape[axis] = total;
  return [
    withValue({ dtype: ins[0].dtype, shape }, () => {
      if (rank !== 1 || !ins.every((t) => t.value)) return undefined;
      return ins.flatMap((t) => [...(t.value as Dim[])]);
    }),
  ];
};
RULES.Split = (c) => {
  const x = c.in(0);
  const axis = c.axis(c.int("axis", 0), x.shape.length);
  const d = x.shape[axis];
  let parts = c.opt(1) ? c.values(1, "split") : c.ints("split");
  const n = c.node.outputCount;
  if (!parts) {
    const size = typeof d === "number" ? d : c.fail(`cannot split symbolic axis ${axis} without sizes`);
    const k = c.int("num_outputs", n);
    const chunk = Math.ceil(size / k);
    parts = Array.from({ length: k }, (_, i) => Math.min(chunk, size - chunk * i));
  }
  if (typeof d === "number" && parts.reduce((s, p) => s + p, 0) !== d)
    c.fail(`split sizes [${parts}] do not sum to ${d}`);
  return parts.map((p) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === axis ? p : e)) }));
};
RULES.Slice = (c) => {
  const x = c.in(0);
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (c.opset < 10 || (c.ints("starts") && !c.opt(1))) {
    starts = c.ints("starts") ?? c.fail("starts are required");
    ends = c.ints("ends") ?? c.fail("ends are required");
    axes = c.ints("axes");
  } else {
    starts = c.values(1, "starts");
    ends = c.values(2, "ends");
    axes = c.opt(3) ? c.values(3, "axes") : undefined;
    steps = c.opt(4) ? c.values(4, "steps") : undefined;
  }
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => c.axis(a, x.shape.length));
  const shape = [...x.shape];
  const spec = new Map<number, [number, number]>();
  ax.forEach((a, i) => {
    const d = x.shape[a];
    const step = steps?.[i] ?? 1;
    if (step === 0) c.fail("step 0");
    if (typeof d !== "number") {
      shape[a] = "?";
      return;
    }
    shape[a] = sliceRange(d, starts[i], ends[i], step);
    spec.set(a, [sliceStart(d, starts[i], step), step]);
  });
  return [
    withValue({ dtype: x.dtype, shape }, () => {
      if (!x.value || !isStatic(x.shape) || !isStatic(shape)) return undefined;
      const inStr = stridesOf(x.shape);
      const outStr = stridesOf(shape);
      const out: Dim[] = [];
      for (let i = 0; i < numel(shape); i++) {
        let src = 0;
        for (let k = 0; k < shape.length; k++) {
          const coord = Math.floor(i / outStr[k]) % shape[k];
          const [s0, st] = spec.get(k) ?? [0, 1];
          src += (s0 + coord * st) * inStr[k];
        }
        out.push(x.value[src]);
      }
      return out;
    }),
  ];
};
RULES.Gather = (c) => {
  const x = c.in(0);
  const idx = c.in(1);
  const axis = c.axis(c.int("axis", 0), x.shape.length);
  const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  return [
    withValue({ dtype: x.dtype, shape }, () => {
      if (!x.value || !idx.value || x.shape.length !== 1) return undefined;
      const d = x.shape[0] as number;
      return idx.value.map((i) => (typeof i === "number" ? x.value![i < 0 ? i + d : i] : "?"));
    }),
  ];
};
RULES.GatherElements = (c) => [{ dtype: c.in(0).dtype, shape: [...c.in(1).shape] }];
RULES.GatherND = (c) => {
  const x = c.in(0);
  const idx = c.in(1);
  const b = c.int("batch_dims", 0);
  const lastDim = idx.shape[idx.shape.length - 1];
  const last = typeof lastDim === "number" ? lastDim : c.fail("last dimension of indices must be static");
  return [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(b + last)] }];
};
for (const op of ["ScatterND", "ScatterElements", "Scatter"])
  RULES[op] = (c) => [{ dtype: c.in(0).dtype, shape: [...c.in(0).shape] }];
RULES.Expand = (c) => {
  const x = c.in(0);
  const target = c.dims(1, "shape");
  return [{ dtype: x.dtype, shape: broadcast(c, [x.shape, target]) }];
};
RULES.Tile = (c) => {
  const x = c.in(0);
  const reps = c.values(1, "repeats");
  return [
    {
      dtype: x.dtype,
      shape: x.shape.map((d, i) => (typeof d === "number" ? d * reps[i] : reps[i] === 1 ? d : "?")),
    },
  ];
};
RULES.Pad = (c) => {
  const x = c.in(0);
  const pads = c.opt(1) ? c.values(1, "pads") : (c.ints("pads") ?? c.fail("pads are required"));
  const r = x.shape.length;
  let axes = [...Array(r).keys()];
  if (c.opt(3)) axes = c.values(3, "axes").map((a) => c.axis(a, r));
  const shape = [...x.shape];
  axes.forEach((a, i) => {
    const d = shape[a];
    shape[a] = typeof d === "number" ? d + pads[i] + pads[i + axes.length] : "?";
  });
  return [{ dtype: x.dtype, shape }];
};
RULES.Shape = (c) => {
  const x = c.in(0);
  const r = x.shape.length;
  const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const start = clampAxis(c.int("start", 0));
  const end = clampAxis(c.int("end", r));
  const value = x.shape.slice(start, end);
  return [{ dtype: "int64", shape: [value.length], value }];
};
RULES.Size = (c) => {
  const x = c.in(0);
  const n = numel(x.shape);
  return [{ dtype: "int64", shape: [], value: [Number.isNaN(n) ? "?" : n] }];
};
RULES.Constant = (c) => {
  const a = c.node.attrs;
  if (a.value !== undefined) {
    const t = a.value as AttrTensor;
    if (typeof t !== "object" || Array.isArray(t)) c.fail("value must be a tensor");
    const info: TensorInfo = { dtype: t.dtype, shape: [...t.dims] };
    return [t.data && t.data.length <= MAX_VALUE_ELEMENTS ? { ...info, value: t.data } : info];
  }
  if (typeof a.value_float === "number") return [{ dtype: "float32", shape: [], value: [a.value_float] }];
  if (typeof a.value_int === "number") return [{ dtype: "int64", shape: [], value: [a.value_int] }];
  if (Array.isArray(a.value_floats))
    return [{ dtype: "float32", shape: [a.value_floats.length], value: a.value_floats as number[] }];
  if (Array.isArray(a.value_ints))
    return [{ dtype: "int64", shape: [a.value_ints.length], value: a.value_ints as number[] }];
  return c.fail("has no supported value attribute (sparse or string constants are not supported)");
};
RULES.ConstantOfShape = (c) => {
  const shape = c.dims(0, "shape");
  const v = c.node.attrs.value as AttrTensor | undefined;
  const dtype = v?.dtype ?? "float32";
  const fill = v?.data?.[0] ?? 0;
  return [
    withValue({ dtype, shape }, () => (isStatic(shape) ? new Array(numel(shape)).fill(fill) : undefined)),
  ];
};
RULES.Range = (c) => {
  const [start] = c.values(0, "start");
  const [limit] = c.values(1, "limit");
  const [delta] = c.values(2, "delta");
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return [
    withValue({ dtype: c.in(0).dtype, shape: [n] }, () =>
      Array.from({ length: n }, (_, i) => start + i * delta),
    ),
  ];
};
for (const op of [
  "ReduceMean",
  "ReduceSum",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSumExp",
  "ReduceSumSquare",
  "ReduceLogSum",
]) {
  RULES[op] = reduce;
}
for (const op of ["ArgMax", "ArgMin"]) {
  RULES[op] = (c) => {
    const x = c.in(0);
    const axis = c.axis(c.int("axis", 0), x.shape.length);
    const keep = c.int("keepdims", 1);
    const shape = x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d]));
    return [{ dtype: "int64", shape }];
  };
}
RULES.TopK = (c) => {
  const x = c.in(0);
  const [k] = c.values(1, "K");
  const axis = c.axis(c.int("axis", -1), x.shape.length);
  const d = x.shape[axis];
  if (typeof d === "number" && k > d) c.fail(`K = ${k} exceeds dimension ${d}`);
  const shape = x.shape.map((e, i) => (i === axis ? k : e));
  return [
    { dtype: x.dtype, shape },
    { dtype: "int64", shape },
  ];
};
RULES.Einsum = (c) => {
  const eq = c.str("equation", "");
  if (!eq) c.fail("equation is required");
  const ins = c.inputs.map((t, i) => t ?? c.in(i));
  return [
    {
      dtype: ins[0].dtype,
      shape: einsumShape(
        c,
        eq,
        ins.map((t) => t.shape),
      ),
    },
  ];
};
RULES.DFT = (c) => {
  const x = c.in(0);
  const r = x.shape.length;
  if (x.shape[r - 1] !== 1 && x.shape[r - 1] !== 2)
    c.fail(`last dimension must be 1 (real) or 2 (complex), got ${x.shape[r - 1]}`);
  const axisRaw = c.opset >= 20 ? (c.opt(2) ? c.values(2, "axis")[0] : -2) : c.int("axis", 1);
  const axis = c.axis(axisRaw, r);
  if (axis === r - 1) c.fail("axis must not be the last (real/imaginary) dimension");
  const onesided = c.int("onesided", 0);
  const inverse = c.int("inverse", 0);
  if (onesided && inverse) c.fail("onesided inverse DFT is not supported by onnxruntime");
  const len = c.opt(1) ? c.values(1, "dft_length")[0] : x.shape[axis];
  const shape = [...x.shape];
  shape[r - 1] = 2;
  shape[axis] = onesided ? (typeof len === "number" ? Math.floor(len / 2) + 1 : "?") : len;
  return [{ dtype: x.dtype, shape }];
};
RULES.DepthToSpace = (c) => {
  const x = c.in(0);
  const b = c.int("blocksize", 1);
  const [n, ch, h, w] = x.shape;
  const mul = (d: Dim, k: number): Dim => (typeof d === "number" ? d * k : "?");
  return [{ dtype: x.dtype, shape: [n, typeof ch === "number" ? ch / (b * b) : "?", mul(h, b), mul(w, b)] }];
};
RULES.SpaceToDepth = (c) => {
  const x = c.in(0);
  const b = c.int("blocksize", 1);
  const [n, ch, h, w] = x.shape;
  const div = (d: Dim, k: number): Dim => (typeof d === "number" ? d / k : "?");
  return [{ dtype: x.dtype, shape: [n, typeof ch === "number" ? ch * b * b : "?", div(h, b), div(w, b)] }];
};
RULES.Resize = (c) => {
  const x = c.in(0);
  if (c.opt(3)) return [{ dtype: x.dtype, shape: c.dims(3, "sizes") }];
  if (c.opt(2)) {
    const scales = c.values(2, "scales");
    return [
      {
        dtype: x.dtype,
        shape: x.shape.map((d, i) => (typeof d === "number" ? Math.floor(d * scales[i]) : "?")),
      },
    ];
  }
  return c.fail("needs scales or sizes");
};
RULES.NonZero = (c) => c.fail("output shape depends on data (NonZero); static analysis is not possible");
RULES.NonMaxSuppression = (c) =>
  c.fail("output shape depends on data (NonMaxSuppression); static analysis is not possible");
RULES.Unique = (c) => c.fail("output shape depends on data (Unique); static analysis is not possible");
RULES.OneHot = (c) => {
  const idx = c.in(0);
  const [depth] = c.values(1, "depth");
  const r = idx.shape.length + 1;
  const axis = c.axis(c.int("axis", -1), r);
  const shape = [...idx.shape];
  shape.splice(axis, 0, depth);
  return [{ dtype: c.in(2).dtype, shape }];
};
