import type { GraphBuilder, Tensor } from "./graph-builder.js";
import { INIT } from "./graph-builder.js";

/**
 * PyTorch-like layers over the GraphBuilder. Each creates its parameters under the current scope with
 * the same names and element counts as the PyTorch module (nn.Linear → `<name>.weight`, `<name>.bias`),
 * so parameter counts match the reference code one to one.
 */

/** Returns x·W + b over the last axis (nn.Linear(inF, outF, bias)); W is stored [inF, outF] for MatMul. */
export function linear(
  b: GraphBuilder,
  x: Tensor,
  inF: number,
  outF: number,
  name: string,
  bias = true,
): Tensor {
  const last = x.shape[x.shape.length - 1];
  if (last !== inF) throw new Error(`linear ${name}: input's last dimension is ${last}, expected ${inF}`);
  return b.scope(name, () => {
    const w = b.param("weight", [inF, outF]);
    const y = b.matmul(x, w);
    return bias ? b.add(y, b.param("bias", [outF], INIT.zeros)) : y;
  });
}

/** Returns nn.LayerNorm(dim, eps) over the last axis (weight and bias). */
export function layerNorm(
  b: GraphBuilder,
  x: Tensor,
  dim: number,
  name: string,
  eps = 1e-6,
  affineBias = true,
): Tensor {
  return b.scope(name, () => {
    const g = b.param("weight", [dim], INIT.ones);
    const beta = affineBias ? b.param("bias", [dim], INIT.zeros) : null;
    return b.layerNorm(x, g, beta, eps);
  });
}

/** Returns nn.Conv2d on NCHW input (weight [out, in/groups, k, k] and optional bias). */
export function conv2d(
  b: GraphBuilder,
  x: Tensor,
  inC: number,
  outC: number,
  kernel: number | [number, number],
  name: string,
  opts: {
    stride?: number;
    padding?: number | [number, number, number, number];
    groups?: number;
    bias?: boolean;
    dilation?: number;
  } = {},
): Tensor {
  const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
  const groups = opts.groups ?? 1;
  if (x.shape[1] !== inC)
    throw new Error(`conv2d ${name}: input has ${x.shape[1]} channels, expected ${inC}`);
  return b.scope(name, () => {
    const w = b.param("weight", [outC, inC / groups, kh, kw]);
    const bias = opts.bias === false ? null : b.param("bias", [outC], INIT.zeros);
    const s = opts.stride ?? 1;
    const p = opts.padding ?? 0;
    const pads = typeof p === "number" ? [p, p, p, p] : p;
    const d = opts.dilation ?? 1;
    return b.conv(x, w, bias, {
      strides: [s, s],
      pads,
      group: groups,
      dilations: d === 1 ? undefined : [d, d],
    });
  });
}

/** Returns nn.BatchNorm2d in inference mode (weight, bias trainable; running stats are constants). */
export function batchNorm2d(b: GraphBuilder, x: Tensor, channels: number, name: string, eps = 1e-5): Tensor {
  return b.scope(name, () => {
    const g = b.param("weight", [channels], INIT.ones);
    const beta = b.param("bias", [channels], INIT.zeros);
    const mean = b.constant(new Float32Array(channels), [channels], b.dtype, "running_mean");
    const variance = b.constant(new Float32Array(channels).fill(1), [channels], b.dtype, "running_var");
    return b.batchNorm(x, g, beta, mean, variance, eps);
  });
}

/** Returns a `[batch, ...rest]` int64 shape tensor taking the batch size from `like` (for Expand/Reshape). */
export function batchShape(b: GraphBuilder, like: Tensor, rest: ReadonlyArray<number>): Tensor {
  const batch = b.op("Shape", [like], { start: 0, end: 1 });
  return b.concat([batch, b.ints(rest, "rest")], 0);
}

/** Returns `t` (leading dim 1) broadcast along the batch of `like`: e.g. a class token [1,1,C] → [B,1,C]. */
export function expandToBatch(b: GraphBuilder, t: Tensor, like: Tensor): Tensor {
  return b.op("Expand", [t, batchShape(b, like, t.shape.slice(1) as number[])]);
}
