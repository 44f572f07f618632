import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { conv2d, expandToBatch, INIT, imageInput, layerNorm, linear, mlp } from "../onnx/index.js";
import {
  dim,
  mapToTokens,
  mergeHeads,
  resizeBilinear,
  splitHeads,
  tokensToMap,
  transposeLast,
} from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * CoaT-Ti (architectures/coat.py, after timm's coat_tiny): four patch embeddings (4, 2, 2, 2; dim 152 each,
 * LayerNorm eps 1e-5), a class token per scale, shared convolutional position encodings (depth-wise 3x3 +
 * identity) and shared convolutional relative position encodings (depth-wise 3/5/7 on 2/3/3 head splits of v,
 * multiplied into q), factorized attention (softmax over keys' tokens, kᵀv then q·(kᵀv)) with qkv bias,
 * 2 serial blocks per scale, then 6 parallel blocks over scales 2–4 that exchange attention outputs by
 * bilinear resizing and share one MLP; the head aggregates the three class tokens with a 1x1 Conv1d.
 * Norms in the blocks use eps 1e-6. Shared modules are parameters once, as in PyTorch.
 */

const DIM = 152;
const HEADS = 8;
const CH = DIM / HEADS;
const CRPE: Array<[number, number]> = [
  [3, 2],
  [5, 3],
  [7, 3],
]; // window → heads
const EPS = 1e-6;

interface Scale {
  x: Tensor;
  h: number;
  w: number;
}

/** Shared ConvPosEnc weights (one depth-wise 3x3 conv per scale, reused by every block of that scale). */
interface Cpe {
  w: Tensor;
  bias: Tensor;
}

function makeCpe(b: GraphBuilder, name: string): Cpe {
  return b.scope(`${name}.proj`, () => ({
    w: b.param("weight", [DIM, 1, 3, 3]),
    bias: b.param("bias", [DIM], INIT.zeros),
  }));
}

/** Returns x with the shared ConvPosEnc applied: cls kept, image tokens + dwconv3(image map). */
function convPosEnc(b: GraphBuilder, x: Tensor, h: number, w: number, cpe: Cpe): Tensor {
  const [cls, img] = b.split(x, [1, h * w], 1);
  const feat = tokensToMap(b, img, h, w);
  const y = b.add(b.conv(feat, cpe.w, cpe.bias, { pads: [1, 1, 1, 1], group: DIM }), feat);
  return b.concat([cls, mapToTokens(b, y)], 1);
}

/** Shared ConvRelPosEnc weights (created once per scale, reused by every block of that scale). */
interface Crpe {
  convs: Array<{ w: Tensor; bias: Tensor; k: number; channels: number }>;
}

function makeCrpe(b: GraphBuilder, name: string): Crpe {
  return b.scope(name, () => ({
    convs: CRPE.map(([k, heads], i) => {
      const channels = heads * CH;
      return b.scope(`conv_list.${i}`, () => ({
        w: b.param("weight", [channels, 1, k, k]),
        bias: b.param("bias", [channels], INIT.zeros),
        k,
        channels,
      }));
    }),
  }));
}

/** Returns the shared-CRPE factorized attention of normalised tokens [B, 1+H·W, C]. */
function factorAttention(b: GraphBuilder, x: Tensor, h: number, w: number, crpe: Crpe, name: string): Tensor {
  return b.scope(name, () => {
    const n = 1 + h * w;
    const [q, k, v] = b
      .split(linear(b, x, DIM, 3 * DIM, "qkv"), [DIM, DIM, DIM], -1)
      .map((t) => splitHeads(b, t, HEADS)); // [B, h, N, Ch]
    const kSoft = b.softmax(k, 2);
    // As the reference: torch.einsum products (which torchprofile, the benchmark's MAC counter, skips)
    const ktv = b.einsum("bhnk,bhnv->bhkv", kSoft, v);
    const factor = b.einsum("bhnk,bhkv->bhnv", q, ktv);
    // Convolutional relative position encoding on the image tokens of v, multiplied into q.
    const qImg = b.slice(q, [1], [n], [2]);
    const vImg = b.slice(v, [1], [n], [2]); // [B, h, HW, Ch] → [B, h·Ch, H, W]
    const vMap = b.reshape(transposeLast(b, vImg), [0, DIM, h, w]);
    const parts = b.split(
      vMap,
      crpe.convs.map((c) => c.channels),
      1,
    );
    const conv = b.concat(
      parts.map((p, i) => {
        const c = crpe.convs[i];
        return b.conv(p, c.w, c.bias, { pads: Array(4).fill(Math.floor(c.k / 2)), group: c.channels });
      }),
      1,
    );
    const convV = transposeLast(b, b.reshape(conv, [0, HEADS, CH, h * w])); // [B, h, HW, Ch]
    const ev = b.mul(qImg, convV);
    const zero = b.op("Expand", [
      b.constant(new Float32Array(CH), [1, 1, 1, CH], b.dtype, "zero"),
      b.concat([b.op("Shape", [x], { start: 0, end: 1 }), b.ints([HEADS, 1, CH], "rest")], 0),
    ]);
    const crpeOut = b.concat([zero, ev], 2);
    const y = b.add(b.mul(factor, CH ** -0.5), crpeOut);
    return linear(b, mergeHeads(b, y), DIM, DIM, "proj");
  });
}

/** Returns tokens [B, 1+h·w, C] resized (image tokens, bilinear) to oh×ow, class token kept. */
function interpolateTokens(b: GraphBuilder, x: Tensor, h: number, w: number, oh: number, ow: number): Tensor {
  const [cls, img] = b.split(x, [1, h * w], 1);
  return b.concat([cls, mapToTokens(b, resizeBilinear(b, tokensToMap(b, img, h, w), oh, ow))], 1);
}

/** Returns a patch embedding (conv k = s = patch, LayerNorm eps 1e-5) with the class token prepended. */
function embed(b: GraphBuilder, x: Tensor, inC: number, patch: number, i: number): Scale {
  const y = b.scope(`patch_embed${i}`, () => conv2d(b, x, inC, DIM, patch, "proj", { stride: patch }));
  const [h, w] = [dim(y, 2), dim(y, 3)];
  const t = b.scope(`patch_embed${i}`, () => layerNorm(b, mapToTokens(b, y), DIM, "norm", 1e-5));
  const cls = expandToBatch(b, b.param(`cls_token${i}`, [1, 1, DIM], INIT.weight), t);
  return { x: b.concat([cls, t], 1), h, w };
}

/** Builds CoaT-Ti and returns the logits. */
export function buildCoatTiny(b: GraphBuilder, resolution: number, numClasses: number): Tensor {
  const img = imageInput(b, resolution);
  const cpes = [1, 2, 3, 4].map((i) => makeCpe(b, `cpe${i}`));
  const crpes = [1, 2, 3, 4].map((i) => makeCrpe(b, `crpe${i}`));
  const scales: Scale[] = [];
  let prev: Tensor = img;
  let inC = 3;
  for (let i = 1; i <= 4; i++) {
    const s = embed(b, prev, inC, i === 1 ? 4 : 2, i);
    for (let j = 0; j < 2; j++) {
      s.x = b.scope(`serial_blocks${i}.${j}`, () => {
        const x = convPosEnc(b, s.x, s.h, s.w, cpes[i - 1]);
        const y = b.add(
          x,
          factorAttention(b, layerNorm(b, x, DIM, "norm1", EPS), s.h, s.w, crpes[i - 1], "factoratt_crpe"),
        );
        return b.add(y, mlp(b, layerNorm(b, y, DIM, "norm2", EPS), DIM, 4 * DIM));
      });
    }
    scales.push(s);
    prev = tokensToMap(b, b.slice(s.x, [1], [1 + s.h * s.w], [1]), s.h, s.w);
    inC = DIM;
  }
  // Parallel blocks over scales 2..4 (scale 1 is carried but unused, as in the reference).
  const [s2, s3, s4] = [scales[1], scales[2], scales[3]];
  for (let j = 0; j < 6; j++) {
    b.scope(`parallel_blocks.${j}`, () => {
      const xs = [s2, s3, s4].map((s, k) => convPosEnc(b, s.x, s.h, s.w, cpes[k + 1]));
      const cur = [s2, s3, s4].map((s, k) =>
        factorAttention(
          b,
          layerNorm(b, xs[k], DIM, `norm1${k + 2}`, EPS),
          s.h,
          s.w,
          crpes[k + 1],
          `factoratt_crpe${k + 2}`,
        ),
      );
      const rs = (t: Tensor, from: Scale, to: Scale) => interpolateTokens(b, t, from.h, from.w, to.h, to.w);
      const mixed = [
        b.add(b.add(cur[0], rs(cur[1], s3, s2)), rs(cur[2], s4, s2)),
        b.add(b.add(cur[1], rs(cur[2], s4, s3)), rs(cur[0], s2, s3)),
        b.add(b.add(cur[2], rs(cur[1], s3, s4)), rs(cur[0], s2, s4)),
      ];
      // One MLP shared by the three scales (mlp2 = mlp3 = mlp4 in the reference).
      const shared = sharedMlp(b);
      [s2, s3, s4].forEach((s, k) => {
        const x = b.add(xs[k], mixed[k]);
        s.x = b.add(x, shared(layerNorm(b, x, DIM, `norm2${k + 2}`, EPS)));
      });
    });
  }
  const clsTokens = [s2, s3, s4].map((s, k) =>
    b.slice(layerNorm(b, s.x, DIM, `norm${k + 2}`, EPS), [0], [1], [1]),
  );
  const merged = b.concat(clsTokens, 1); // [B, 3, C]
  const agg = b.squeeze(conv1d1x1(b, merged, 3, 1, "aggregate"), [1]);
  return linear(b, agg, DIM, numClasses, "head");
}

/** Returns a function applying one MLP (fc1 → GELU → fc2) whose parameters are created once. */
function sharedMlp(b: GraphBuilder): (x: Tensor) => Tensor {
  const hidden = 4 * DIM;
  const [w1, b1, w2, b2] = b.scope("mlp2", () => [
    b.param("fc1.weight", [DIM, hidden]),
    b.param("fc1.bias", [hidden], INIT.zeros),
    b.param("fc2.weight", [hidden, DIM]),
    b.param("fc2.bias", [DIM], INIT.zeros),
  ]);
  return (x) => b.add(b.matmul(b.gelu(b.add(b.matmul(x, w1), b1)), w2), b2);
}

/** Returns nn.Conv1d(inC, outC, kernel_size=1) on [B, inC, L]. */
function conv1d1x1(b: GraphBuilder, x: Tensor, inC: number, outC: number, name: string): Tensor {
  return b.scope(name, () =>
    b.conv(x, b.param("weight", [outC, inC, 1]), b.param("bias", [outC], INIT.zeros)),
  );
}

defineModel({
  name: "CoaT-Ti",
  sourceId: "coat_tiny",
  family: "coat",
  checkResolution: (r) =>
    r < 32 ? "resolution must be at least 32 (patch 4 and three stride-2 embeddings)" : null,
  testResolution: 64,
  build: (b, o) => buildCoatTiny(b, o.resolution, o.numClasses),
});
