import pkg from "onnx-proto";

import type { DType } from "./dtype.js";
import { dtypeFromOnnx, fromFloat16Bits } from "./dtype.js";
import type { Attrs, AttrTensor, AttrValue, Dim } from "./shape-inference.js";

const { onnx } = pkg;

/** Largest initializer whose contents are decoded (shape constants, axes, indices). */
const MAX_DECODED = 4096;

/** A graph as the analyzer reads it: decoded, typed, independent of protobuf classes. */
export interface ReadGraph {
  name: string;
  opset: number;
  inputs: Array<{ name: string; dtype: DType; shape: Dim[] }>;
  outputs: string[];
  initializers: Array<{ name: string; dtype: DType | null; dims: number[]; values: number[] | null }>;
  nodes: Array<{
    opType: string;
    domain: string;
    name: string;
    inputs: string[];
    outputs: string[];
    attrs: Attrs;
  }>;
  metadata: Record<string, string>;
}

/** Thrown for bytes that are not a readable ONNX model; the message says why. */
export class ModelReadError extends Error {
  override name = "ModelReadError";
}

/** Returns the decoded graph of ONNX ModelProto bytes; throws ModelReadError for malformed input. */
export function readModel(bytes: Uint8Array): ReadGraph {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelReadError(`not an ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw new ModelReadError("the model has no graph");
  const opsetEntry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === "ai.onnx");
  const opset = opsetEntry ? num(opsetEntry.version) : 0;
  if (!opset) throw new ModelReadError("the model imports no default-domain opset");

  const initNames = new Set((g.initializer ?? []).map((t) => t.name ?? ""));
  const inputs = (g.input ?? [])
    .filter((v) => !initNames.has(v.name ?? ""))
    .map((v) => {
      const tt = v.type?.tensorType;
      if (!tt) throw new ModelReadError(`graph input "${v.name}" is not a tensor`);
      const dtype = dtypeFromOnnx(tt.elemType ?? 0);
      if (!dtype)
        throw new ModelReadError(`graph input "${v.name}" has unsupported element type ${tt.elemType}`);
      const shape: Dim[] = (tt.shape?.dim ?? []).map((d) =>
        d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : "?",
      );
      if (!tt.shape) throw new ModelReadError(`graph input "${v.name}" has no shape`);
      return { name: v.name ?? "", dtype, shape };
    });
  const nodes = (g.node ?? []).map((n, i) => ({
    opType: n.opType ?? "",
    domain: n.domain ?? "",
    name: n.name || `${n.opType ?? "node"}_${i}`,
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs: decodeAttrs(n.attribute ?? []),
  }));
  return {
    name: g.name ?? "",
    opset,
    inputs,
    outputs: (g.output ?? []).map((o) => o.name ?? ""),
    initializers: (g.initializer ?? []).map((t) => {
      const dims = (t.dims ?? []).map(num);
      const dtype = dtypeFromOnnx(t.dataType ?? 0);
      const n = dims.reduce((a, b) => a * b, 1);
      return {
        name: t.name ?? "",
        dtype,
        dims,
        values: dtype && n <= MAX_DECODED ? decodeTensorData(t, dtype, n) : null,
      };
    }),
    nodes,
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? "", p.value ?? ""])),
  };
}

function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (v && typeof v === "object" && "toNumber" in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

type RawTensor = pkg.onnx.ITensorProto;

function decodeTensorData(t: RawTensor, dtype: DType, n: number): number[] | null {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return null;
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      switch (dtype) {
        case "float32":
          out.push(view.getFloat32(i * 4, true));
          break;
        case "float16":
          out.push(fromFloat16Bits(view.getUint16(i * 2, true)));
          break;
        case "float64":
          out.push(view.getFloat64(i * 8, true));
          break;
        case "int64":
          out.push(Number(view.getBigInt64(i * 8, true)));
          break;
        case "int32":
          out.push(view.getInt32(i * 4, true));
          break;
        case "int8":
          out.push(view.getInt8(i));
          break;
        case "uint8":
        case "bool":
          out.push(view.getUint8(i));
          break;
      }
    }
    return out;
  }
  switch (dtype) {
    case "float32":
      return (t.floatData ?? []).map(Number);
    case "float64":
      return (t.doubleData ?? []).map(Number);
    case "int64":
      return (t.int64Data ?? []).map(num);
    case "float16":
      return (t.int32Data ?? []).map((b) => fromFloat16Bits(b));
    default:
      return (t.int32Data ?? []).map(Number);
  }
}

const AT = onnx.AttributeProto.AttributeType;

function decodeAttrs(list: ReadonlyArray<pkg.onnx.IAttributeProto>): Attrs {
  const out: Record<string, AttrValue> = {};
  const text = new TextDecoder();
  for (const a of list) {
    const name = a.name ?? "";
    switch (a.type) {
      case AT.INT:
        out[name] = num(a.i);
        break;
      case AT.FLOAT:
        out[name] = a.f ?? 0;
        break;
      case AT.STRING:
        out[name] = text.decode(a.s ?? new Uint8Array());
        break;
      case AT.INTS:
        out[name] = (a.ints ?? []).map(num);
        break;
      case AT.FLOATS:
        out[name] = (a.floats ?? []).map(Number);
        break;
      case AT.STRINGS:
        out[name] = (a.strings ?? []).map((s) => text.decode(s));
        break;
      case AT.TENSOR: {
        const t = a.t;
        if (!t) break;
        const dims = (t.dims ?? []).map(num);
        const dtype = dtypeFromOnnx(t.dataType ?? 0);
        if (!dtype) break;
        const n = dims.reduce((p, q) => p * q, 1);
        const v: AttrTensor = { dtype, dims, data: n <= MAX_DECODED ? decodeTensorData(t, dtype, n) : null };
        out[name] = v;
        break;
      }
      default:
        // Graph-valued and sparse attributes: kept as a marker so rules can refuse them by name.
        out[name] = `<${AT[a.type ?? 0] ?? "unknown"} attribute>`;
    }
  }
  return out;
}
