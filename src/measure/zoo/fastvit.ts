import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { batchNorm2d, conv2d, INIT, imageInput, linear } from "../onnx/index.js";
import { convBn } from "./blocks-hierarchical.js";
import type { BuildOptions } from "./zoo-model.js";
import { defineModel, multipleOf } from "./zoo-model.js";

/**
 * FastViT-S12 and FastViT-T8 (architectures/fastvit.py, fastvit_s12: widths [64, 128, 256, 512], depths [2, 2,
 * 6, 2], MLP ratio 4; fastvit_t8: [48, 96, 192, 384], [2, 2, 4, 2], MLP ratio 3; both RepMixer token mixers in
 * all four stages, 7×7 stride-2 patch embeddings between stages, layer scale 1e-5, class-head expansion ×2). The
 * graph is the training-time form that the benchmark instantiates (`inference_mode=False`, as
 * `models.prepare_model` builds it): every MobileOne block keeps its parallel conv+BN branches (k×k, 1×1 "scale"
 * and BatchNorm identity), which the reference's `reparameterize()` would fold into one conv each (fewer
 * parameters: see test/measure/zoo/fastvit.test.ts). As in the reference, ReparamLargeKernelConv computes its
 * GELU and drops it, so the patch embeddings' large-kernel part is linear.
 *
 * Sizes: the reference registers T8, T12, S12, SA12, SA24, SA36 and MA36. T8 is the smallest (4.0 M parameters,
 * 0.54 GMACs at 224). S12 (1.39 GMACs) is the size nearest ViT-S/16 (4.61 GMACs) that the reference can run: the
 * SA/MA variants (attention in stage 4; SA24 has 21.6 M parameters, near ViT-S's 22.1 M) build but fail in
 * forward (the per-token LayerScale of timm's Block is applied to a channels-first map), so neither torchprofile
 * nor the benchmark could count or run them.
 */

/** A registered FastViT size (RepMixer in all four stages). */
interface FastVitSize {
  widths: readonly number[];
  depths: readonly number[];
  mlpRatio: number;
}

/** fastvit_s12 (the nearest ViT-S that runs) and fastvit_t8 (the smallest). */
const SIZES = {
  S12: { widths: [64, 128, 256, 512], depths: [2, 2, 6, 2], mlpRatio: 4 },
  T8: { widths: [48, 96, 192, 384], depths: [2, 2, 4, 2], mlpRatio: 3 },
} satisfies Record<string, FastVitSize>;
const CLS_RATIO = 2;

interface MobileOneOptions {
  kernel: number;
  stride?: number;
  groups?: number;
  act?: boolean;
  se?: boolean;
  /** Number of k×k conv+BN branches (0: none). */
  convBranches?: number;
  /** The 1×1 conv+BN branch of a k > 1 block. */
  scaleBranch?: boolean;
}

/**
 * Returns MobileOneBlock (train-time form): BN identity (when shapes allow) + 1×1 conv+BN + k×k conv+BN
 * branches summed, then optional squeeze-excite and GELU.
 */
function mobileOne(b: GraphBuilder, x: Tensor, inC: number, outC: number, o: MobileOneOptions): Tensor {
  const stride = o.stride ?? 1;
  const groups = o.groups ?? 1;
  const pad = Math.floor(o.kernel / 2);
  const parts: Tensor[] = [];
  if (inC === outC && stride === 1) parts.push(batchNorm2d(b, x, inC, "rbr_skip"));
  if (o.kernel > 1 && (o.scaleBranch ?? true))
    parts.push(convBn(b, x, inC, outC, 1, "rbr_scale.conv", "rbr_scale.bn", { stride, groups, bias: false }));
  for (let i = 0; i < (o.convBranches ?? 1); i++) {
    parts.push(
      convBn(b, x, inC, outC, o.kernel, `rbr_conv.${i}.conv`, `rbr_conv.${i}.bn`, {
        stride,
        padding: pad,
        groups,
        bias: false,
      }),
    );
  }
  let y = parts.reduce((s, t) => b.add(s, t));
  if (o.se) y = squeezeExcite(b, y, outC);
  return o.act === false ? y : b.gelu(y);
}

/** Returns SEBlock: global average → 1×1 reduce (ratio 1/16) → ReLU → 1×1 expand → sigmoid gate. */
function squeezeExcite(b: GraphBuilder, x: Tensor, c: number): Tensor {
  return b.scope("se", () => {
    const rd = Math.floor(c * 0.0625);
    const s = b.relu(conv2d(b, b.globalAvgPool(x), c, rd, 1, "reduce"));
    return b.mul(x, b.sigmoid(conv2d(b, s, rd, c, 1, "expand")));
  });
}

/** Returns RepMixerBlock: x + ls·(mixer(x) − norm(x)), then x + ls·ConvFFN(x). */
function repMixerBlock(b: GraphBuilder, x: Tensor, c: number, mlpRatio: number, name: string): Tensor {
  return b.scope(name, () => {
    x = b.scope("token_mixer", () => {
      const norm = b.scope("norm", () =>
        mobileOne(b, x, c, c, { kernel: 3, groups: c, act: false, scaleBranch: false, convBranches: 0 }),
      );
      const mixer = b.scope("mixer", () => mobileOne(b, x, c, c, { kernel: 3, groups: c, act: false }));
      const ls = b.param("layer_scale", [c, 1, 1], INIT.layerScale);
      return b.add(x, b.mul(ls, b.sub(mixer, norm)));
    });
    const ffn = b.scope("convffn", () => {
      let y = convBn(b, x, c, c, 7, "conv.conv", "conv.bn", { padding: 3, groups: c, bias: false });
      y = b.gelu(conv2d(b, y, c, c * mlpRatio, 1, "fc1"));
      return conv2d(b, y, c * mlpRatio, c, 1, "fc2");
    });
    return b.add(x, b.mul(b.param("layer_scale", [c, 1, 1], INIT.layerScale), ffn));
  });
}

/** Returns the stage-to-stage PatchEmbed: 7×7/2 grouped conv+BN plus 3×3/2 conv+BN, then a 1×1 MobileOne block. */
function patchEmbed(b: GraphBuilder, x: Tensor, inC: number, outC: number, name: string): Tensor {
  return b.scope(name, () => {
    const lk = b.scope("proj.0", () => {
      const big = convBn(b, x, inC, outC, 7, "lkb_origin.conv", "lkb_origin.bn", {
        stride: 2,
        padding: 3,
        groups: inC,
        bias: false,
      });
      const small = convBn(b, x, inC, outC, 3, "small_conv.conv", "small_conv.bn", {
        stride: 2,
        padding: 1,
        groups: inC,
        bias: false,
      });
      return b.add(big, small);
    });
    return b.scope("proj.1", () => mobileOne(b, lk, outC, outC, { kernel: 1 }));
  });
}

/** Returns FastViT's logits [batch, numClasses] (training-time form) at one registered size. */
function buildFastVit(b: GraphBuilder, o: BuildOptions, size: FastVitSize): Tensor {
  let x = imageInput(b, o.resolution);
  const c0 = size.widths[0];
  x = b.scope("patch_embed", () => {
    let y = b.scope("0", () => mobileOne(b, x, 3, c0, { kernel: 3, stride: 2 }));
    y = b.scope("1", () => mobileOne(b, y, c0, c0, { kernel: 3, stride: 2, groups: c0 }));
    return b.scope("2", () => mobileOne(b, y, c0, c0, { kernel: 1 }));
  });
  let net = 0;
  for (let s = 0; s < 4; s++) {
    const c = size.widths[s];
    for (let i = 0; i < size.depths[s]; i++) x = repMixerBlock(b, x, c, size.mlpRatio, `network.${net}.${i}`);
    net++;
    if (s < 3) x = patchEmbed(b, x, c, size.widths[s + 1], `network.${net++}`);
  }
  const last = size.widths[3];
  const exp = last * CLS_RATIO;
  x = b.scope("conv_exp", () => mobileOne(b, x, last, exp, { kernel: 3, groups: last, se: true }));
  const pooled = b.reshape(b.globalAvgPool(x), [0, exp]);
  return linear(b, pooled, exp, o.numClasses, "head");
}

for (const [name, sourceId, size] of [
  ["FastViT-S12", "fastvit_s12", SIZES.S12],
  ["FastViT-T8", "fastvit_t8", SIZES.T8],
] as const) {
  defineModel({
    name,
    sourceId,
    family: "fastvit",
    checkResolution: multipleOf(32),
    note: "training-time form (MobileOne branches not re-parameterised), as the benchmark instantiates it",
    build: (b, o) => buildFastVit(b, o, size),
  });
}
