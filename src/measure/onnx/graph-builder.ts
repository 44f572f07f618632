import pkg from "onnx-proto";

import type { DType, FloatDType } from "./dtype.js";
import { bytesPerElement, isFloat, onnxDataType, toFloat16Bits } from "./dtype.js";
import type { ReadGraph } from "./model-reader.js";
import { streamFor } from "./prng.js";
import type { AttrTensor, AttrValue, Dim, Shape, TensorInfo } from "./shape-inference.js";
import { inferNode, isStatic, numel } from "./shape-inference.js";

const { onnx } = pkg;

/** Default opset: 20 (Gelu, DFT with an axis input, LayerNormalization), all run by onnxruntime's CPU provider. */
export const DEFAULT_OPSET = 20;
/** IR version written to models (IR 9 pairs with opsets 19–20). */
export const IR_VERSION = 9;
/** Name of the symbolic batch dimension. */
export const BATCH = "batch";

/** A typed handle to a tensor in the graph under construction. */
export interface Tensor {
  readonly name: string;
  readonly dtype: DType;
  /** Static dims are numbers; the batch dimension is the symbol "batch". */
  readonly shape: Shape;
  /** Known contents of small integer tensors (constants, shape arithmetic). */
  readonly value?: ReadonlyArray<Dim>;
}

/**
 * How a parameter is initialised; random draws come from the (seed, name) stream. `random` is a
 * zero-mean uniform with the given standard deviation (one draw per element, fast enough for 100M+
 * parameters; the distribution does not change speed or memory, which is what the zoo is for).
 */
export type Init =
  | { kind: "random"; std: number }
  | { kind: "normal"; std: number; mean?: number }
  | { kind: "uniform"; low: number; high: number }
  | { kind: "constant"; value: number };

/** Shorthands for common initialisations. */
export const INIT = {
  weight: { kind: "random", std: 0.02 } as Init,
  zeros: { kind: "constant", value: 0 } as Init,
  ones: { kind: "constant", value: 1 } as Init,
  layerScale: { kind: "constant", value: 0.1 } as Init,
};

/** Options of a GraphBuilder. */
export interface GraphBuilderOptions {
  /** Graph name, stored in the model. */
  name: string;
  /** Element type of float parameters and activations. */
  dtype?: FloatDType;
  /** Seed of the deterministic weights. */
  seed?: number;
  opset?: number;
  /** Generate weight data (default true); false builds the structure only, for fast analysis. */
  weights?: boolean;
}

/** One node attribute as the helpers accept it. */
export type AttrInput = number | string | number[] | string[] | { tensor: AttrTensor };

interface NodeRecord {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrInput>;
}

interface InitRecord {
  name: string;
  dtype: DType;
  dims: number[];
  raw: Uint8Array;
  parameter: boolean;
}

/**
 * Builds an ONNX graph node by node. Every node's outputs are shape-inferred as it is added (the same
 * rules the analyzer uses), so builders see static shapes and mistakes fail at build time, naming the node.
 *
 * Parameters (`param`) become initializers and count as parameters; non-trainable tensors (`constant`)
 * become Constant nodes so that the parameter count of a graph is the element count of its float
 * initializers, for zoo graphs and user files alike.
 */
export class GraphBuilder {
  readonly dtype: FloatDType;
  readonly seed: number;
  readonly opset: number;
  readonly name: string;
  private readonly nodes: NodeRecord[] = [];
  private readonly inits: InitRecord[] = [];
  private readonly inputs: Tensor[] = [];
  private readonly outputs: Tensor[] = [];
  private readonly names = new Set<string>();
  private readonly scopes: string[] = [];
  private readonly counters = new Map<string, number>();
  private paramCount = 0;
  readonly weights: boolean;

  constructor(options: GraphBuilderOptions) {
    this.weights = options.weights ?? true;
    this.name = options.name;
    this.dtype = options.dtype ?? "float32";
    this.seed = options.seed ?? 0;
    this.opset = options.opset ?? DEFAULT_OPSET;
  }

  /** Returns the number of parameter elements added so far. */
  get parameterCount(): number {
    return this.paramCount;
  }

  /** Runs `fn` with `name` appended to the naming scope (e.g. "blocks.3") and returns its result. */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** Returns a fresh, scoped, unique name built from `base`. */
  uniqueName(base: string): string {
    const full = [...this.scopes, base].join(".");
    if (!this.names.has(full)) {
      this.names.add(full);
      return full;
    }
    let k = this.counters.get(full) ?? 1;
    while (this.names.has(`${full}_${k}`)) k++;
    this.counters.set(full, k + 1);
    const n = `${full}_${k}`;
    this.names.add(n);
    return n;
  }

  /** Declares a graph input and returns its handle. Use the BATCH symbol for the batch dimension. */
  input(name: string, shape: Shape, dtype: DType = this.dtype): Tensor {
    const t: Tensor = { name: this.uniqueName(name), dtype, shape: [...shape] };
    this.inputs.push(t);
    return t;
  }

  /** Marks a tensor as a graph output (renamed through an Identity when `name` differs). */
  output(t: Tensor, name?: string): Tensor {
    let out = t;
    if (name && name !== t.name) {
      out = this.node("Identity", [t], {}, { outputNames: [name] })[0];
    }
    this.outputs.push(out);
    return out;
  }

  /** Adds a trainable parameter with seeded weights, in the builder's float dtype, and returns it. */
  param(name: string, shape: ReadonlyArray<number>, init: Init = INIT.weight): Tensor {
    const full = this.uniqueName(name);
    const n = numel(shape);
    if (!Number.isInteger(n) || n < 0) throw new Error(`parameter ${full}: bad shape [${shape.join(",")}]`);
    let raw: Uint8Array = EMPTY;
    if (this.weights) {
      const values = new Float32Array(n);
      fill(values, init, this.seed, full);
      raw = encodeFloats(values, this.dtype);
    }
    this.inits.push({ name: full, dtype: this.dtype, dims: [...shape], raw, parameter: true });
    this.paramCount += n;
    return { name: full, dtype: this.dtype, shape: [...shape] };
  }

  /** Adds a non-trainable constant (emitted as a Constant node) and returns it. */
  constant(
    values: ArrayLike<number>,
    shape: ReadonlyArray<number>,
    dtype: DType = this.dtype,
    name = "const",
  ): Tensor {
    if (values.length !== numel(shape))
      throw new Error(`constant ${name}: ${values.length} values for shape [${shape.join(",")}]`);
    const data = Array.from(values);
    return this.node("Constant", [], { value: { tensor: { dtype, dims: [...shape], data } } }, { name })[0];
  }

  /** Returns an int64 1-D constant (shapes, axes, indices). */
  ints(values: ReadonlyArray<number>, name = "ints"): Tensor {
    return this.constant(values, [values.length], "int64", name);
  }

  /** Returns a scalar constant in the builder's float dtype (or `dtype`). */
  scalar(value: number, dtype: DType = this.dtype): Tensor {
    return this.constant([value], [], dtype, "scalar");
  }

  /**
   * Adds a node and returns its output handles with inferred shapes. `inputs` may contain null for an
   * omitted optional input. Throws ShapeInferenceError naming the node when shapes do not fit.
   */
  node(
    opType: string,
    inputs: ReadonlyArray<Tensor | null>,
    attrs: Record<string, AttrInput> = {},
    opts: { outputs?: number; name?: string; outputNames?: string[] } = {},
  ): Tensor[] {
    const count = opts.outputNames?.length ?? opts.outputs ?? 1;
    const nodeName = this.uniqueName(opts.name ?? opType);
    const outNames =
      opts.outputNames ??
      Array.from({ length: count }, (_, i) => (count === 1 ? `${nodeName}:out` : `${nodeName}:out${i}`));
    for (const n of opts.outputNames ?? []) this.names.add(n);
    const decoded: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(attrs))
      decoded[k] = typeof v === "object" && !Array.isArray(v) ? v.tensor : v;
    const infos = inferNode(
      { opType, name: nodeName, attrs: decoded, outputCount: count },
      inputs.map((t) => (t ? ({ dtype: t.dtype, shape: t.shape, value: t.value } as TensorInfo) : null)),
      this.opset,
    );
    this.nodes.push({
      opType,
      name: nodeName,
      inputs: inputs.map((t) => (t ? t.name : "")),
      outputs: outNames,
      attrs,
    });
    return outNames.map((name, i) => ({
      name,
      dtype: infos[i].dtype,
      shape: infos[i].shape,
      value: infos[i].value,
    }));
  }

  /** Adds a single-output node and returns its output. */
  op(
    opType: string,
    inputs: ReadonlyArray<Tensor | null>,
    attrs: Record<string, AttrInput> = {},
    name?: string,
  ): Tensor {
    return this.node(opType, inputs, attrs, { name })[0];
  }

  // ---- arithmetic (numbers become scalar constants of the other operand's dtype) ----

  /** Returns a + b. */
  add(a: Tensor, b: Tensor | number): Tensor {
    return this.op("Add", [a, this.lift(b, a)]);
  }
  /** Returns a - b. */
  sub(a: Tensor, b: Tensor | number): Tensor {
    return this.op("Sub", [a, this.lift(b, a)]);
  }
  /** Returns a * b. */
  mul(a: Tensor, b: Tensor | number): Tensor {
    return this.op("Mul", [a, this.lift(b, a)]);
  }
  /** Returns a / b. */
  div(a: Tensor, b: Tensor | number): Tensor {
    return this.op("Div", [a, this.lift(b, a)]);
  }
  /** Returns a ^ b. */
  pow(a: Tensor, b: Tensor | number): Tensor {
    return this.op("Pow", [a, this.lift(b, a)]);
  }
  /** Returns the matrix product (numpy broadcasting). */
  matmul(a: Tensor, b: Tensor): Tensor {
    return this.op("MatMul", [a, b]);
  }
  /** Returns alpha·A'·B' + beta·C for 2-D inputs. */
  gemm(
    a: Tensor,
    b: Tensor,
    c: Tensor | null,
    opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
  ): Tensor {
    const attrs: Record<string, AttrInput> = {};
    if (opts.transA) attrs.transA = 1;
    if (opts.transB) attrs.transB = 1;
    if (opts.alpha !== undefined) attrs.alpha = opts.alpha;
    if (opts.beta !== undefined) attrs.beta = opts.beta;
    return this.op("Gemm", c ? [a, b, c] : [a, b], attrs);
  }
  /** Returns an einsum over the inputs. */
  einsum(equation: string, ...inputs: Tensor[]): Tensor {
    return this.op("Einsum", inputs, { equation });
  }

  // ---- activations and normalisation ----

  /** Returns ReLU(x). */
  relu(x: Tensor): Tensor {
    return this.op("Relu", [x]);
  }
  /** Returns sigmoid(x). */
  sigmoid(x: Tensor): Tensor {
    return this.op("Sigmoid", [x]);
  }
  /** Returns tanh(x). */
  tanh(x: Tensor): Tensor {
    return this.op("Tanh", [x]);
  }
  /** Returns exp(x). */
  exp(x: Tensor): Tensor {
    return this.op("Exp", [x]);
  }
  /** Returns sqrt(x). */
  sqrt(x: Tensor): Tensor {
    return this.op("Sqrt", [x]);
  }
  /** Returns exact (erf) GELU as the opset-20 Gelu op, which onnxruntime's CPU provider runs as one kernel. */
  gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
    if (this.opset < 20) {
      // x · ½ (1 + erf(x/√2)) for older opsets.
      const e = this.op("Erf", [this.mul(x, Math.SQRT1_2)]);
      return this.mul(this.mul(x, this.add(e, 1)), 0.5);
    }
    return this.op("Gelu", [x], approximate === "none" ? {} : { approximate });
  }
  /** Returns softmax along `axis`. */
  softmax(x: Tensor, axis = -1): Tensor {
    return this.op("Softmax", [x], { axis });
  }
  /** Returns LayerNormalization over the trailing axes from `axis`, with the given scale and bias. */
  layerNorm(x: Tensor, scale: Tensor, bias: Tensor | null, eps = 1e-6, axis = -1): Tensor {
    return this.op("LayerNormalization", bias ? [x, scale, bias] : [x, scale], { axis, epsilon: eps });
  }
  /** Returns inference-mode BatchNormalization. */
  batchNorm(x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps = 1e-5): Tensor {
    return this.op("BatchNormalization", [x, scale, bias, mean, variance], { epsilon: eps });
  }

  // ---- convolution and pooling ----

  /** Returns an N-D convolution. */
  conv(
    x: Tensor,
    w: Tensor,
    bias: Tensor | null,
    opts: { strides?: number[]; pads?: number[]; dilations?: number[]; group?: number } = {},
  ): Tensor {
    const attrs: Record<string, AttrInput> = { kernel_shape: w.shape.slice(2) as number[] };
    if (opts.strides) attrs.strides = opts.strides;
    if (opts.pads) attrs.pads = opts.pads;
    if (opts.dilations) attrs.dilations = opts.dilations;
    if (opts.group && opts.group !== 1) attrs.group = opts.group;
    return this.op("Conv", bias ? [x, w, bias] : [x, w], attrs);
  }
  /** Returns MaxPool. */
  maxPool(
    x: Tensor,
    kernel: number[],
    opts: { strides?: number[]; pads?: number[]; ceil?: boolean } = {},
  ): Tensor {
    return this.op("MaxPool", [x], poolAttrs(kernel, opts));
  }
  /** Returns AveragePool (padding excluded from the average unless countIncludePad). */
  avgPool(
    x: Tensor,
    kernel: number[],
    opts: { strides?: number[]; pads?: number[]; ceil?: boolean; countIncludePad?: boolean } = {},
  ): Tensor {
    const attrs = poolAttrs(kernel, opts);
    if (opts.countIncludePad) attrs.count_include_pad = 1;
    return this.op("AveragePool", [x], attrs);
  }
  /** Returns GlobalAveragePool ([N,C,...] → [N,C,1,...]). */
  globalAvgPool(x: Tensor): Tensor {
    return this.op("GlobalAveragePool", [x]);
  }

  // ---- shape manipulation ----

  /** Returns x reshaped; 0 copies the input dimension, -1 is inferred (use 0 or -1 for the batch). */
  reshape(x: Tensor, shape: ReadonlyArray<number>): Tensor {
    return this.op("Reshape", [x, this.ints(shape, "shape")]);
  }
  /** Returns x with axes permuted. */
  transpose(x: Tensor, perm: number[]): Tensor {
    return this.op("Transpose", [x], { perm });
  }
  /** Returns the concatenation along `axis`. */
  concat(xs: ReadonlyArray<Tensor>, axis: number): Tensor {
    return this.op("Concat", xs, { axis });
  }
  /** Returns the parts of x split along `axis` into the given sizes. */
  split(x: Tensor, sizes: number[], axis: number): Tensor[] {
    return this.node("Split", [x, this.ints(sizes, "split")], { axis }, { outputs: sizes.length });
  }
  /** Returns x[starts:ends:steps] along `axes`. */
  slice(x: Tensor, starts: number[], ends: number[], axes: number[], steps?: number[]): Tensor {
    const ins = [x, this.ints(starts, "starts"), this.ints(ends, "ends"), this.ints(axes, "axes")];
    if (steps) ins.push(this.ints(steps, "steps"));
    return this.op("Slice", ins);
  }
  /** Returns Gather(x, indices) along `axis`. */
  gather(x: Tensor, indices: Tensor | number[] | number, axis = 0): Tensor {
    const idx =
      typeof indices === "number"
        ? this.constant([indices], [], "int64", "index")
        : Array.isArray(indices)
          ? this.ints(indices, "indices")
          : indices;
    return this.op("Gather", [x, idx], { axis });
  }
  /** Returns GatherElements(x, indices) along `axis`. */
  gatherElements(x: Tensor, indices: Tensor, axis: number): Tensor {
    return this.op("GatherElements", [x, indices], { axis });
  }
  /** Returns ScatterND(data, indices, updates). */
  scatterND(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
    return this.op("ScatterND", [data, indices, updates]);
  }
  /** Returns [values, indices] of the k largest (or smallest) entries along `axis`. */
  topK(x: Tensor, k: number, axis = -1, largest = true): [Tensor, Tensor] {
    const [v, i] = this.node(
      "TopK",
      [x, this.ints([k], "k")],
      { axis, largest: largest ? 1 : 0, sorted: 1 },
      { outputs: 2 },
    );
    return [v, i];
  }
  /** Returns x broadcast to `shape` (numbers; 1 keeps the input's dimension, e.g. the batch). */
  expand(x: Tensor, shape: ReadonlyArray<number>): Tensor {
    return this.op("Expand", [x, this.ints(shape, "shape")]);
  }
  /** Returns x with size-1 axes inserted. */
  unsqueeze(x: Tensor, axes: number[]): Tensor {
    return this.op("Unsqueeze", [x, this.ints(axes, "axes")]);
  }
  /** Returns x with the given size-1 axes removed. */
  squeeze(x: Tensor, axes: number[]): Tensor {
    return this.op("Squeeze", [x, this.ints(axes, "axes")]);
  }
  /** Returns the mean over `axes`. */
  reduceMean(x: Tensor, axes: number[], keepdims = true): Tensor {
    return this.op("ReduceMean", [x, this.ints(axes, "axes")], { keepdims: keepdims ? 1 : 0 });
  }
  /** Returns the sum over `axes`. */
  reduceSum(x: Tensor, axes: number[], keepdims = true): Tensor {
    return this.op("ReduceSum", [x, this.ints(axes, "axes")], { keepdims: keepdims ? 1 : 0 });
  }
  /** Returns the maximum over `axes`. */
  reduceMax(x: Tensor, axes: number[], keepdims = true): Tensor {
    return this.op("ReduceMax", [x, this.ints(axes, "axes")], { keepdims: keepdims ? 1 : 0 });
  }
  /** Returns the cumulative sum along `axis`. */
  cumSum(x: Tensor, axis: number, opts: { exclusive?: boolean; reverse?: boolean } = {}): Tensor {
    return this.op("CumSum", [x, this.constant([axis], [], "int64", "axis")], {
      exclusive: opts.exclusive ? 1 : 0,
      reverse: opts.reverse ? 1 : 0,
    });
  }
  /** Returns Where(cond, a, b). */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    return this.op("Where", [cond, a, b]);
  }
  /** Returns x cast to `dtype`. */
  cast(x: Tensor, dtype: DType): Tensor {
    return this.op("Cast", [x], { to: onnxDataType(dtype) });
  }
  /**
   * Returns the DFT of x along `axis` (x's last dimension is 1 for real or 2 for complex input; output's
   * is 2). Uses the opset-20 form (axis as an input) or opset-17 (attribute) by the builder's opset.
   */
  dft(x: Tensor, axis: number, opts: { inverse?: boolean; onesided?: boolean } = {}): Tensor {
    const attrs: Record<string, AttrInput> = {};
    if (opts.inverse) attrs.inverse = 1;
    if (opts.onesided) attrs.onesided = 1;
    if (this.opset >= 20) return this.op("DFT", [x, null, this.constant([axis], [], "int64", "axis")], attrs);
    return this.op("DFT", [x], { ...attrs, axis });
  }

  /** Serialises the graph into ONNX ModelProto bytes (requires a builder with weights). */
  toBytes(metadata: Record<string, string> = {}): Uint8Array {
    if (!this.weights)
      throw new Error(
        `graph ${this.name} was built without weights; it can be analysed (toGraph) but not serialised`,
      );
    return onnx.ModelProto.encode(this.toModel(metadata)).finish();
  }

  /** Returns the graph in the analyzer's decoded form, without encoding weights (fast). */
  toGraph(metadata: Record<string, string> = {}): ReadGraph {
    return {
      name: this.name,
      opset: this.opset,
      inputs: this.inputs.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] })),
      outputs: this.outputs.map((t) => t.name),
      initializers: this.inits.map((t) => ({ name: t.name, dtype: t.dtype, dims: t.dims, values: null })),
      nodes: this.nodes.map((n) => ({
        opType: n.opType,
        domain: "",
        name: n.name,
        inputs: n.inputs,
        outputs: n.outputs,
        attrs: Object.fromEntries(
          Object.entries(n.attrs).map(([k, v]) => [
            k,
            typeof v === "object" && !Array.isArray(v) ? v.tensor : v,
          ]),
        ),
      })),
      metadata,
    };
  }

  /** Returns the ModelProto object (before encoding). */
  toModel(metadata: Record<string, string> = {}): InstanceType<typeof onnx.ModelProto> {
    if (this.outputs.length === 0) throw new Error(`graph ${this.name} has no outputs`);
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: "favor",
      producerVersion: "0.1.0",
      opsetImport: [{ domain: "", version: this.opset }],
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.name,
        node: this.nodes.map((n) => ({
          opType: n.opType,
          name: n.name,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
        })),
        initializer: this.inits.map((t) => ({
          name: t.name,
          dims: t.dims,
          dataType: onnxDataType(t.dtype),
          rawData: t.raw,
        })),
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    });
  }

  private lift(b: Tensor | number, like: Tensor): Tensor {
    return typeof b === "number" ? this.constant([b], [], like.dtype, "scalar") : b;
  }
}

function poolAttrs(
  kernel: number[],
  opts: { strides?: number[]; pads?: number[]; ceil?: boolean },
): Record<string, AttrInput> {
  const attrs: Record<string, AttrInput> = { kernel_shape: kernel };
  if (opts.strides) attrs.strides = opts.strides;
  if (opts.pads) attrs.pads = opts.pads;
  if (opts.ceil) attrs.ceil_mode = 1;
  return attrs;
}

function valueInfo(t: Tensor) {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: onnxDataType(t.dtype),
        shape: { dim: t.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const ATTR = onnx.AttributeProto.AttributeType;

function encodeAttr(name: string, v: AttrInput) {
  if (typeof v === "number")
    return Number.isInteger(v) && !FLOAT_ATTRS.has(name)
      ? { name, type: ATTR.INT, i: v }
      : { name, type: ATTR.FLOAT, f: v };
  if (typeof v === "string") return { name, type: ATTR.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === "string")
      return { name, type: ATTR.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: ATTR.INTS, ints: v as number[] };
  }
  const t = v.tensor;
  return {
    name,
    type: ATTR.TENSOR,
    t: { dims: t.dims, dataType: onnxDataType(t.dtype), rawData: encodeValues(t.data ?? [], t.dtype) },
  };
}

/** Float-typed attributes whose values may happen to be integers (epsilon = 1 etc.). */
const FLOAT_ATTRS = new Set([
  "epsilon",
  "alpha",
  "beta",
  "gamma",
  "momentum",
  "value_float",
  "bias",
  "lambd",
  "threshold",
]);

function encodeValues(values: ReadonlyArray<number>, dtype: DType): Uint8Array {
  const n = values.length;
  const bytes = new Uint8Array(n * bytesPerElement(dtype));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dtype) {
      case "float32":
        view.setFloat32(i * 4, v, true);
        break;
      case "float16":
        view.setUint16(i * 2, toFloat16Bits(v), true);
        break;
      case "float64":
        view.setFloat64(i * 8, v, true);
        break;
      case "int64":
        view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
      case "int32":
        view.setInt32(i * 4, v, true);
        break;
      case "int8":
        view.setInt8(i, v);
        break;
      case "uint8":
      case "bool":
        view.setUint8(i, v ? (dtype === "bool" ? 1 : v) : 0);
        break;
    }
  }
  return bytes;
}

function encodeFloats(values: Float32Array, dtype: DType): Uint8Array {
  if (dtype === "float32") return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (!isFloat(dtype)) throw new Error(`parameters must be float, got ${dtype}`);
  return encodeValues(Array.from(values), dtype);
}

const EMPTY = new Uint8Array(0);

function fill(out: Float32Array, init: Init, seed: number, name: string): void {
  if (init.kind === "constant") {
    out.fill(init.value);
    return;
  }
  const rng = streamFor(seed, name);
  if (init.kind === "normal") {
    for (let i = 0; i < out.length; i++) out[i] = (init.mean ?? 0) + init.std * rng.normal();
    return;
  }
  const [low, high] =
    init.kind === "uniform" ? [init.low, init.high] : [-init.std * Math.sqrt(3), init.std * Math.sqrt(3)];
  const span = (high - low) / 4294967296;
  for (let i = 0; i < out.length; i++) out[i] = low + span * rng.nextUint32();
}

/** Returns true when a shape is static apart from the batch symbol. */
export function isStaticButBatch(shape: Shape): boolean {
  return shape.every((d) => typeof d === "number" || d === BATCH);
}

export { isStatic, numel };
