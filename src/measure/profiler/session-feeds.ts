import type { InferenceSession } from "onnxruntime-node";
import { Tensor } from "onnxruntime-node";

import { Xoshiro128 } from "../onnx/prng.js";

/** An input the caller got wrong: a symbolic dimension without a shape, a fixed batch that does not match. */
export class InputShapeError extends Error {
  override readonly name = "InputShapeError";
}

/** One graph input as the session reports it. */
export interface InputSignature {
  readonly name: string;
  readonly type: string;
  readonly shape: ReadonlyArray<number | string>;
}

/** Returns the tensor inputs of a session with element type and shape (symbolic dims by name). */
export function inputSignatures(session: InferenceSession): InputSignature[] {
  return session.inputMetadata.map((m) => {
    if (!m.isTensor)
      throw new InputShapeError(`input ${m.name} is not a tensor; only tensor inputs can be fed`);
    return { name: m.name, type: m.type, shape: [...m.shape] };
  });
}

/**
 * Returns the concrete shape of each input at `batchSize`: dim 0 is the batch; other dims come from the
 * graph or, where symbolic, from `inputShapes` (full shapes at batch 1 per input name).
 *
 * @throws InputShapeError naming the input and dim that cannot be resolved, or a fixed batch dim that
 * differs from `batchSize`.
 */
export function resolveInputShapes(
  inputs: ReadonlyArray<InputSignature>,
  batchSize: number,
  inputShapes: Readonly<Record<string, ReadonlyArray<number>>> | null,
): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const name of Object.keys(inputShapes ?? {})) {
    if (!inputs.some((i) => i.name === name)) {
      throw new InputShapeError(
        `inputShapes names ${name}, which is not an input of the graph (inputs: ${inputs.map((i) => i.name).join(", ")})`,
      );
    }
  }
  for (const input of inputs) {
    const given = inputShapes?.[input.name];
    if (given !== undefined && given.length !== input.shape.length) {
      throw new InputShapeError(
        `inputShapes.${input.name} has rank ${given.length}; the graph's input has rank ${input.shape.length}`,
      );
    }
    if (input.shape.length === 0)
      throw new InputShapeError(`input ${input.name} is a scalar; it has no batch dimension`);
    const shape = input.shape.map((dim, i) => {
      if (i === 0) {
        if (typeof dim === "number" && dim !== batchSize) {
          throw new InputShapeError(
            `input ${input.name} has a fixed batch dimension ${dim}; cannot run batch size ${batchSize}`,
          );
        }
        return batchSize;
      }
      if (typeof dim === "number") {
        if (given !== undefined && given[i] !== dim) {
          throw new InputShapeError(
            `inputShapes.${input.name}[${i}] is ${given[i]}; the graph fixes it to ${dim}`,
          );
        }
        return dim;
      }
      const value = given?.[i];
      if (value === undefined || !Number.isSafeInteger(value) || value < 1) {
        throw new InputShapeError(
          `input ${input.name} has a symbolic dimension ${i} (${dim}); give its size in inputShapes.${input.name}`,
        );
      }
      return value;
    });
    shapes.set(input.name, shape);
  }
  return shapes;
}

/**
 * Returns seeded random feeds for the inputs at the given shapes: floats from N(0, 1) (image-like, no
 * denormals), integers in [0, 100), booleans at random.
 *
 * @throws InputShapeError for an element type the profiler cannot fill.
 */
export function randomFeeds(
  inputs: ReadonlyArray<InputSignature>,
  shapes: ReadonlyMap<string, ReadonlyArray<number>>,
  seed: number,
): Record<string, Tensor> {
  const rng = new Xoshiro128(seed);
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const shape = shapes.get(input.name) as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[input.name] = new Tensor(input.type as "float32", fill(input, size, rng), shape);
  }
  return feeds;
}

function fill(input: InputSignature, size: number, rng: Xoshiro128): Tensor.DataType {
  switch (input.type) {
    case "float32":
    case "float64": {
      const data = input.type === "float32" ? new Float32Array(size) : new Float64Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.normal();
      return data;
    }
    case "float16": {
      const data = new Uint16Array(size);
      for (let i = 0; i < size; i++) data[i] = toHalf(rng.normal());
      return data;
    }
    case "int8":
    case "uint8":
    case "int16":
    case "uint16":
    case "int32":
    case "uint32": {
      const Ctor = {
        int8: Int8Array,
        uint8: Uint8Array,
        int16: Int16Array,
        uint16: Uint16Array,
        int32: Int32Array,
        uint32: Uint32Array,
      }[input.type];
      const data = new Ctor(size);
      for (let i = 0; i < size; i++) data[i] = Math.floor(rng.next() * 100);
      return data;
    }
    case "int64":
    case "uint64": {
      const data = input.type === "int64" ? new BigInt64Array(size) : new BigUint64Array(size);
      for (let i = 0; i < size; i++) data[i] = BigInt(Math.floor(rng.next() * 100));
      return data;
    }
    case "bool": {
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = rng.next() < 0.5 ? 0 : 1;
      return data;
    }
    default:
      throw new InputShapeError(
        `input ${input.name} has element type ${input.type}, which the profiler cannot fill`,
      );
  }
}

/** Returns the IEEE 754 half-precision bits of a float (round to nearest; inputs here are small normals). */
function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  // Addition, not OR: a rounding carry out of the mantissa correctly bumps the exponent.
  return (sign | (exp << 10)) + ((mant + 0x1000) >>> 13);
}
