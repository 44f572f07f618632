import type { DType, GraphBuilder, Init, Tensor } from "../onnx/index.js";
import { fromHeads, INIT, layerNorm, layerScale, linear, mlp, toHeads } from "../onnx/index.js";

/**
 * Helpers for the data-dependent ViT variants (token pruning, merging, routing, mixture of experts):
 * batched index selection, zero buffers shaped like a tensor, weight sharing between two applications of
 * the same module, self-attention that also returns its keys/probabilities, pre-norm blocks with a hook
 * between the token mixer and the MLP, and test-only probes. Candidates for src/measure/onnx once stable.
 */

/** Options every data-dependent builder accepts besides the resolution. */
export interface DynamicBuildOptions {
  resolution: number;
  numClasses: number;
  /** Test-only: also emit the routing/pruning/merging decisions as extra graph outputs (see `probe`). */
  probes?: boolean;
}

/** Returns `t` after marking it as an extra graph output named `name` when `enabled` (test-only probes). */
export function probe(b: GraphBuilder, t: Tensor, name: string, enabled: boolean | undefined): Tensor {
  if (enabled) b.output(t, name);
  return t;
}

/** Returns a tensor of zeros with the shape of `like` (batch included) in `dtype` (default: the builder's). */
export function zerosLike(b: GraphBuilder, like: Tensor, dtype: DType = b.dtype): Tensor {
  const shape = b.op("Shape", [like]);
  return b.op("ConstantOfShape", [shape], { value: { tensor: { dtype, dims: [1], data: [0] } } });
}

/** Returns a constant float tensor in the builder's dtype (a buffer: it does not count as a parameter). */
export function floatConstant(
  b: GraphBuilder,
  values: ArrayLike<number>,
  shape: ReadonlyArray<number>,
  name: string,
): Tensor {
  return b.constant(values, shape, b.dtype, name);
}

/**
 * Returns indices [B, K] broadcast along a trailing axis of size `c` ([B, K, c]), as GatherElements and
 * ScatterElements need them for a batched index select of tokens.
 */
export function expandIndices(b: GraphBuilder, idx: Tensor, c: number): Tensor {
  const k = idx.shape[1] as number;
  return b.expand(b.unsqueeze(idx, [-1]), [1, k, c]);
}

/** Returns x[b, idx[b, k], :] for tokens x [B, N, C] and indices [B, K] (DynamicViT's batch_index_select). */
export function gatherTokens(b: GraphBuilder, x: Tensor, idx: Tensor): Tensor {
  const c = x.shape[2] as number;
  return b.gatherElements(x, expandIndices(b, idx, c), 1);
}

/**
 * Returns ScatterElements(data, indices, updates, reduction "add") along `axis`. onnxruntime's CPU provider
 * has no float16 kernel for the add reduction, so float16 operands are scattered in float32 and cast back.
 */
export function scatterAdd(
  b: GraphBuilder,
  data: Tensor,
  indices: Tensor,
  updates: Tensor,
  axis: number,
): Tensor {
  if (data.dtype !== "float16")
    return b.op("ScatterElements", [data, indices, updates], { axis, reduction: "add" });
  const summed = b.op("ScatterElements", [b.cast(data, "float32"), indices, b.cast(updates, "float32")], {
    axis,
    reduction: "add",
  });
  return b.cast(summed, "float16");
}

/** Returns the indices of the k largest entries along the last axis, sorted descending (torch.topk / argsort). */
export function topKIndices(b: GraphBuilder, x: Tensor, k: number, largest = true): Tensor {
  return b.topK(x, k, -1, largest)[1];
}

/** Returns x / max(‖x‖₂, eps) along the last axis (torch.nn.functional.normalize). */
export function l2Normalize(b: GraphBuilder, x: Tensor, eps = 1e-12): Tensor {
  const norm = b.op("ReduceL2", [x, b.ints([-1], "axes")], { keepdims: 1 });
  return b.div(x, b.op("Max", [norm, b.scalar(eps, x.dtype)]));
}

// ---- weight sharing ----

/**
 * Returns a builder view whose `param` records every parameter it creates, for `sharedBuilder` to replay:
 * the reference applies some modules twice (TokenLearner reuses its first blocks), so the second
 * application must use the same initializers, not new ones.
 */
export function recordingBuilder(b: GraphBuilder): { builder: GraphBuilder; recorded: Tensor[] } {
  const recorded: Tensor[] = [];
  const builder = overrideParam(b, (name, shape, init) => {
    const t = b.param(name, shape, init);
    recorded.push(t);
    return t;
  });
  return { builder, recorded };
}

/**
 * Returns a builder view whose `param` hands out `recorded` in order instead of creating parameters.
 * Throws when the replayed code asks for a different shape or more parameters than were recorded.
 */
export function sharedBuilder(b: GraphBuilder, recorded: ReadonlyArray<Tensor>): GraphBuilder {
  let i = 0;
  return overrideParam(b, (name, shape) => {
    const t = recorded[i++];
    if (!t || t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
      throw new Error(
        `shared parameter ${i - 1} (${name}): recorded [${t?.shape.join(",") ?? "none"}], asked for [${shape.join(",")}]`,
      );
    }
    return t;
  });
}

function overrideParam(
  b: GraphBuilder,
  param: (name: string, shape: ReadonlyArray<number>, init?: Init) => Tensor,
): GraphBuilder {
  return new Proxy(b, {
    get(target, prop) {
      if (prop === "param") return param;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

// ---- attention and blocks ----

/** What `selfAttention` returns besides its output. */
export interface AttentionParts {
  /** Output after `proj`, [B, N, C]. */
  out: Tensor;
  /** Keys per head, [B, H, N, d]. */
  k: Tensor;
  /** Softmax probabilities, [B, H, N, N]. */
  attn: Tensor;
}

/**
 * Returns timm-style multi-head self-attention (fused `qkv`, `proj`) and its keys and probabilities.
 * `keyBias` [B, 1, 1, N] is added to the logits before the softmax (ToMe's proportional attention).
 */
export function selfAttention(
  b: GraphBuilder,
  x: Tensor,
  o: { dim: number; heads: number; name?: string; qkvBias?: boolean; keyBias?: Tensor },
): AttentionParts {
  const { dim, heads } = o;
  return b.scope(o.name ?? "attn", () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", o.qkvBias ?? true);
    const [q, k, v] = b.split(qkv, [dim, dim, dim], -1).map((t) => toHeads(b, t, heads));
    let logits = b.matmul(b.mul(q, (dim / heads) ** -0.5), b.transpose(k, [0, 1, 3, 2]));
    if (o.keyBias) logits = b.add(logits, o.keyBias);
    const attn = b.softmax(logits, -1);
    const out = linear(b, fromHeads(b, b.matmul(attn, v)), dim, dim, "proj");
    return { out, k, attn };
  });
}

/** Options of `hookedBlock`. */
export interface HookedBlockOptions {
  dim: number;
  heads: number;
  mlpHidden: number;
  layerScale: boolean;
  qkvBias?: boolean;
  eps?: number;
  keyBias?: Tensor;
  /**
   * Runs between the attention residual and the MLP (token pruning or merging); receives the tokens and
   * the attention parts, returns the tokens the MLP sees.
   */
  afterAttention?: (x: Tensor, parts: AttentionParts) => Tensor;
}

/** Returns one pre-norm ViT block, x + [ls1]·attn(norm1(x)) → hook → x + [ls2]·mlp(norm2(x)), and its attention parts. */
export function hookedBlock(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  o: HookedBlockOptions,
): { x: Tensor; parts: AttentionParts } {
  return b.scope(name, () => {
    const parts = selfAttention(b, layerNorm(b, x, o.dim, "norm1", o.eps), {
      dim: o.dim,
      heads: o.heads,
      qkvBias: o.qkvBias,
      keyBias: o.keyBias,
    });
    let y = parts.out;
    if (o.layerScale) y = layerScale(b, y, o.dim, "ls1");
    x = b.add(x, y);
    if (o.afterAttention) x = o.afterAttention(x, parts);
    let z = mlp(b, layerNorm(b, x, o.dim, "norm2", o.eps), o.dim, o.mlpHidden);
    if (o.layerScale) z = layerScale(b, z, o.dim, "ls2");
    return { x: b.add(x, z), parts };
  });
}

/**
 * Returns tokens with a learned position embedding over class token and patches (the original DeiT
 * layout used by EViT and DynamicViT: cat(cls, patches) + pos_embed [1, N+1, C]).
 */
export function addPosEmbedWithClass(
  b: GraphBuilder,
  patches: Tensor,
  dim: number,
  clsToken: Tensor,
): Tensor {
  const n = patches.shape[1] as number;
  const x = b.concat([clsToken, patches], 1);
  return b.add(x, b.param("pos_embed", [1, n + 1, dim], INIT.weight));
}
