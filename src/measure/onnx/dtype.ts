import pkg from "onnx-proto";

const { onnx } = pkg;

/** Element types the builder and the analyzer understand. */
export type DType = "float32" | "float16" | "float64" | "int64" | "int32" | "int8" | "uint8" | "bool";

/** Floating-point element types a model's weights may use. */
export type FloatDType = "float32" | "float16";

const TO_ONNX: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

const BYTES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Returns the ONNX TensorProto.DataType code of a dtype. */
export function onnxDataType(dtype: DType): number {
  return TO_ONNX[dtype];
}

/** Returns the dtype of an ONNX TensorProto.DataType code, or null when Favor does not handle it. */
export function dtypeFromOnnx(code: number): DType | null {
  for (const [k, v] of Object.entries(TO_ONNX)) if (v === code) return k as DType;
  return null;
}

/** Returns the size in bytes of one element. */
export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Returns true for float16/float32/float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float16" || dtype === "float64";
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Returns the IEEE 754 half-precision bits of a number (round to nearest even). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Returns the number encoded by IEEE 754 half-precision bits. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
