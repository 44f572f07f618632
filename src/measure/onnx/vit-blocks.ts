import type { GraphBuilder, Tensor } from "./graph-builder.js";
import { BATCH, INIT } from "./graph-builder.js";
import { expandToBatch, layerNorm, linear } from "./layers.js";

/**
 * Composable ViT building blocks after timm's VisionTransformer as the benchmark configures it
 * (DeiT-III style: layer scale in every block, position embedding for patch tokens only, class token,
 * LayerNorm eps 1e-6). Other families reuse these and swap the token mixer.
 */

/** Hyper-parameters shared by the ViT blocks. */
export interface VitDims {
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  patchSize: number;
  qkvBias?: boolean;
  /** DeiT-III layer scale (benchmark default: on). */
  layerScale?: boolean;
}

/** timm sizes used by the benchmark. */
export const VIT_SIZES = {
  Ti: { embedDim: 192, depth: 12, numHeads: 3, mlpRatio: 4, patchSize: 16 },
  S: { embedDim: 384, depth: 12, numHeads: 6, mlpRatio: 4, patchSize: 16 },
  B: { embedDim: 768, depth: 12, numHeads: 12, mlpRatio: 4, patchSize: 16 },
} satisfies Record<string, VitDims>;

/** A token mixer: maps normalised tokens [B, N, C] to [B, N, C] (attention or a replacement). */
export type TokenMixer = (b: GraphBuilder, x: Tensor, name: string) => Tensor;

/** Returns the image input [batch, 3, res, res]. */
export function imageInput(b: GraphBuilder, resolution: number, channels = 3): Tensor {
  return b.input("pixel_values", [BATCH, channels, resolution, resolution]);
}

/** Returns patch tokens [B, N, C] from a Conv2d(k = s = patch) embedding (timm PatchEmbed, named `patch_embed.proj`). */
export function patchEmbed(b: GraphBuilder, img: Tensor, patch: number, dim: number, inC = 3): Tensor {
  const res = img.shape[2] as number;
  if (res % patch !== 0) throw new Error(`resolution ${res} is not a multiple of the patch size ${patch}`);
  const g = res / patch;
  return b.scope("patch_embed", () => {
    const w = b.param("proj.weight", [dim, inC, patch, patch]);
    const bias = b.param("proj.bias", [dim], INIT.zeros);
    const y = b.conv(img, w, bias, { strides: [patch, patch] });
    return b.transpose(b.reshape(y, [0, dim, g * g]), [0, 2, 1]);
  });
}

/** Returns x + learned position embedding [1, N, C] (named `pos_embed`). */
export function addPosEmbed(
  b: GraphBuilder,
  x: Tensor,
  tokens: number,
  dim: number,
  name = "pos_embed",
): Tensor {
  return b.add(x, b.param(name, [1, tokens, dim], INIT.weight));
}

/** Returns [cls; x] with a learned class token (named `cls_token`). */
export function prependClassToken(b: GraphBuilder, x: Tensor, dim: number, name = "cls_token"): Tensor {
  const cls = expandToBatch(b, b.param(name, [1, 1, dim], INIT.weight), x);
  return b.concat([cls, x], 1);
}

/** Splits [B, N, C] into heads: [B, H, N, C/H]. */
export function toHeads(b: GraphBuilder, x: Tensor, heads: number): Tensor {
  const [, n, c] = x.shape as [unknown, number, number];
  return b.transpose(b.reshape(x, [0, n, heads, c / heads]), [0, 2, 1, 3]);
}

/** Merges heads [B, H, N, d] back into [B, N, H·d]. */
export function fromHeads(b: GraphBuilder, x: Tensor): Tensor {
  const [, h, n, d] = x.shape as [unknown, number, number, number];
  return b.reshape(b.transpose(x, [0, 2, 1, 3]), [0, n, h * d]);
}

/** Returns softmax(q·kᵀ·scale)·v for per-head tensors [B, H, N, d] (and Nk keys). */
export function scaledDotProduct(b: GraphBuilder, q: Tensor, k: Tensor, v: Tensor, scale: number): Tensor {
  const kT = b.transpose(k, [0, 1, 3, 2]);
  const attn = b.softmax(b.matmul(b.mul(q, scale), kT), -1);
  return b.matmul(attn, v);
}

/** Returns multi-head self-attention (timm Attention: fused `qkv` linear, `proj`) of x [B, N, C]. */
export function attention(
  b: GraphBuilder,
  x: Tensor,
  dim: number,
  heads: number,
  name = "attn",
  qkvBias = true,
): Tensor {
  return b.scope(name, () => {
    const qkv = linear(b, x, dim, 3 * dim, "qkv", qkvBias);
    const [q, k, v] = b.split(qkv, [dim, dim, dim], -1).map((t) => toHeads(b, t, heads));
    const o = fromHeads(b, scaledDotProduct(b, q, k, v, (dim / heads) ** -0.5));
    return linear(b, o, dim, dim, "proj");
  });
}

/** Returns timm Mlp: fc1 → GELU → fc2. */
export function mlp(
  b: GraphBuilder,
  x: Tensor,
  dim: number,
  hidden: number,
  name = "mlp",
  outDim = dim,
): Tensor {
  return b.scope(name, () => linear(b, b.gelu(linear(b, x, dim, hidden, "fc1")), hidden, outDim, "fc2"));
}

/** Returns x · gamma with a learned per-channel layer scale (named `<name>.gamma`). */
export function layerScale(b: GraphBuilder, x: Tensor, dim: number, name: string): Tensor {
  return b.mul(x, b.param(`${name}.gamma`, [dim], INIT.layerScale));
}

/** Options of one pre-norm transformer block. */
export interface BlockOptions {
  dim: number;
  mlpHidden: number;
  /** The token mixer; default: multi-head self-attention with `heads`. */
  mixer?: TokenMixer;
  heads?: number;
  layerScale?: boolean;
  qkvBias?: boolean;
  eps?: number;
}

/** Returns one timm Block: x + ls1·mixer(norm1(x)), then x + ls2·mlp(norm2(x)). */
export function transformerBlock(b: GraphBuilder, x: Tensor, name: string, o: BlockOptions): Tensor {
  return b.scope(name, () => {
    const mix: TokenMixer =
      o.mixer ?? ((bb, t, n) => attention(bb, t, o.dim, o.heads ?? 1, n, o.qkvBias ?? true));
    let y = mix(b, layerNorm(b, x, o.dim, "norm1", o.eps), "attn");
    if (o.layerScale ?? true) y = layerScale(b, y, o.dim, "ls1");
    x = b.add(x, y);
    let z = mlp(b, layerNorm(b, x, o.dim, "norm2", o.eps), o.dim, o.mlpHidden);
    if (o.layerScale ?? true) z = layerScale(b, z, o.dim, "ls2");
    return b.add(x, z);
  });
}

/** Returns the logits [B, classes]: final `norm`, class-token (or mean) pooling, `head` linear. */
export function classifierHead(
  b: GraphBuilder,
  x: Tensor,
  dim: number,
  numClasses: number,
  pool: "token" | "avg" = "token",
  norm = true,
): Tensor {
  const y = norm ? layerNorm(b, x, dim, "norm") : x;
  const pooled = pool === "token" ? b.gather(y, 0, 1) : b.reduceMean(y, [1], false);
  return linear(b, pooled, dim, numClasses, "head");
}

/** Options of a complete ViT. */
export interface VitOptions extends VitDims {
  resolution: number;
  numClasses: number;
  /** Replaces the attention of every block (Linformer, Nyströmformer, FNet, ...). */
  mixer?: (layer: number, tokens: number) => TokenMixer;
  classToken?: boolean;
  pool?: "token" | "avg";
}

/**
 * Builds a timm/DeiT-III ViT into `b` and returns the logits [batch, numClasses] (not yet marked as output).
 * With class token and `no_embed_class`, the position embedding covers the patch tokens only.
 */
export function buildVit(b: GraphBuilder, o: VitOptions): Tensor {
  const img = imageInput(b, o.resolution);
  const g = o.resolution / o.patchSize;
  let x = patchEmbed(b, img, o.patchSize, o.embedDim);
  x = addPosEmbed(b, x, g * g, o.embedDim);
  const classToken = o.classToken ?? true;
  if (classToken) x = prependClassToken(b, x, o.embedDim);
  const tokens = g * g + (classToken ? 1 : 0);
  for (let i = 0; i < o.depth; i++) {
    x = transformerBlock(b, x, `blocks.${i}`, {
      dim: o.embedDim,
      mlpHidden: Math.round(o.embedDim * o.mlpRatio),
      heads: o.numHeads,
      mixer: o.mixer?.(i, tokens),
      layerScale: o.layerScale ?? true,
      qkvBias: o.qkvBias ?? true,
    });
  }
  return classifierHead(b, x, o.embedDim, o.numClasses, o.pool ?? (classToken ? "token" : "avg"));
}

/** An attention replacement: tokens [B, N, C] → [B, N, C], given the width, heads and token count N. */
export type AttentionVariant = (
  b: GraphBuilder,
  x: Tensor,
  name: string,
  dim: number,
  heads: number,
  tokens: number,
) => Tensor;

/**
 * Returns the logits of a ViT whose every block's attention is `attention`: the shape the attention-variant
 * families share (Linformer, Nyströmformer, PolySA, Synthesizer).
 */
export function buildVitWithAttention(
  b: GraphBuilder,
  o: Omit<VitOptions, "mixer">,
  attention: AttentionVariant,
): Tensor {
  return buildVit(b, {
    ...o,
    mixer: (_layer, tokens) => (bb, x, name) => attention(bb, x, name, o.embedDim, o.numHeads, tokens),
  });
}

/**
 * Returns the class token [B, 1, C] after one CaiT class-attention block (LayerScaleBlockClassAttn): the class
 * token attends over [cls; patches] (q from the class token only), then an MLP, both with layer scale.
 */
export function classAttentionBlock(
  b: GraphBuilder,
  x: Tensor,
  cls: Tensor,
  name: string,
  dim: number,
  heads: number,
  hidden: number,
): Tensor {
  return b.scope(name, () => {
    const u = layerNorm(b, b.concat([cls, x], 1), dim, "norm1");
    const attended = b.scope("attn", () => {
      const q = b.mul(
        toHeads(b, linear(b, b.slice(u, [0], [1], [1]), dim, dim, "q"), heads),
        (dim / heads) ** -0.5,
      );
      const k = toHeads(b, linear(b, u, dim, dim, "k"), heads);
      const v = toHeads(b, linear(b, u, dim, dim, "v"), heads);
      const attn = b.softmax(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), -1);
      return linear(b, fromHeads(b, b.matmul(attn, v)), dim, dim, "proj");
    });
    const c = b.add(cls, layerScale(b, attended, dim, "gamma_1"));
    return b.add(c, layerScale(b, mlp(b, layerNorm(b, c, dim, "norm2"), dim, hidden), dim, "gamma_2"));
  });
}
