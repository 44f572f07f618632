import type { GraphBuilder, Tensor, VitDims } from "../onnx/index.js";
import {
  addPosEmbed,
  attention,
  batchShape,
  classifierHead,
  INIT,
  imageInput,
  layerNorm,
  layerScale,
  patchEmbed,
  prependClassToken,
  VIT_SIZES,
} from "../onnx/index.js";
import type { DynamicBuildOptions } from "./blocks-dynamic.js";
import { expandIndices, probe } from "./blocks-dynamic.js";
import { defineModel } from "./zoo-model.js";

/**
 * Switch ViT-S, 8 experts (architectures/switch_transformer.py): a timm ViT-S whose every MLP is a SwitchMlp,
 * i.e. a router Linear(C, 8) with softmax and 8 expert Mlps (C → 4C → C); each token goes to its
 * highest-probability expert (top-1), and its output is multiplied by p / p.detach() (= 1).
 *
 * Static shapes (the zoo's graphs must be statically analysable, so NonZero-style variable expert batches
 * are out): tokens are dispatched per image into fixed expert buffers of `capacity` slots, Switch/GShard
 * style: ArgMax routes, a one-hot CumSum gives each token's slot within its expert, ScatterElements
 * fills [B, experts·capacity, C], one batched MatMul per layer runs all experts, GatherElements brings
 * outputs back. capacity = max(1, int(1.1 · N / 8)) per image, the reference's capacity formula
 * (capacity_factor 1.1), so the experts compute ≈ 1.1× the tokens, as a real sparse dispatch would ~1×.
 *
 * Deviation: the reference runs with drop_tokens=False, so no token is ever dropped; here a token beyond its
 * expert's capacity skips the MLP (passes through unchanged, the reference's drop path). With
 * `capacityFactor` = number of experts nothing can be dropped and the result is exactly the reference's
 * (tests use that); the cost then is that of running every expert on every token.
 */

/** Options of `buildSwitchVit`. */
export interface SwitchVitOptions extends DynamicBuildOptions {
  experts?: number;
  /** Expert capacity as a multiple of tokens / experts (reference: 1.1). */
  capacityFactor?: number;
  dims?: VitDims;
}

/** Reference capacity factor of SwitchMlp. */
export const SWITCH_CAPACITY_FACTOR = 1.1;

/** Returns the expert capacity (slots per expert and image) for `tokens` tokens. */
export function switchCapacity(tokens: number, experts: number, factor = SWITCH_CAPACITY_FACTOR): number {
  return Math.min(tokens, Math.max(1, Math.floor((factor * tokens) / experts)));
}

/** Builds a Switch ViT into `b` and returns the logits [batch, numClasses]. */
export function buildSwitchVit(b: GraphBuilder, o: SwitchVitOptions): Tensor {
  const d = o.dims ?? VIT_SIZES.S;
  const experts = o.experts ?? 8;
  const g = o.resolution / d.patchSize;
  let x = patchEmbed(b, imageInput(b, o.resolution), d.patchSize, d.embedDim);
  x = prependClassToken(b, addPosEmbed(b, x, g * g, d.embedDim), d.embedDim);
  const capacity = switchCapacity(g * g + 1, experts, o.capacityFactor);
  for (let i = 0; i < d.depth; i++) {
    x = b.scope(`blocks.${i}`, () => {
      const y = b.add(
        x,
        layerScale(
          b,
          attention(b, layerNorm(b, x, d.embedDim, "norm1"), d.embedDim, d.numHeads),
          d.embedDim,
          "ls1",
        ),
      );
      const z = switchMlp(b, layerNorm(b, y, d.embedDim, "norm2"), "mlp", {
        dim: d.embedDim,
        hidden: d.embedDim * d.mlpRatio,
        experts,
        capacity,
        probeName: o.probes ? `blocks.${i}.switch` : undefined,
      });
      return b.add(y, layerScale(b, z, d.embedDim, "ls2"));
    });
  }
  return classifierHead(b, x, d.embedDim, o.numClasses);
}

/** Options of `switchMlp`. */
export interface SwitchMlpOptions {
  dim: number;
  hidden: number;
  experts: number;
  /** Slots per expert and image. */
  capacity: number;
  probeName?: string;
}

/**
 * Returns the top-1 mixture-of-experts MLP of tokens x [B, N, C] (SwitchMlp at inference) with
 * per-image expert buffers of `capacity` slots. Expert weights are stacked: `experts.fc1.weight`
 * [E, C, H], `experts.fc1.bias` [E, 1, H], `experts.fc2.weight` [E, H, C], `experts.fc2.bias` [E, 1, C]
 * (the same element counts as E separate nn.Linear pairs).
 */
export function switchMlp(b: GraphBuilder, x: Tensor, name: string, o: SwitchMlpOptions): Tensor {
  const c = x.shape[2] as number;
  const { experts: e, capacity: cap } = o;
  return b.scope(name, () => {
    const logits = b.add(
      b.matmul(x, b.param("switch.weight", [c, e])),
      b.param("switch.bias", [e], INIT.zeros),
    );
    const prob = b.softmax(logits, -1);
    const pMax = b.reduceMax(prob, [-1], true);
    const route = b.op("ArgMax", [prob], { axis: -1, keepdims: 0 }); // [B, N]
    // Slot of each token within its expert: exclusive running count of earlier tokens with the same expert.
    const oneHot = b.cast(
      b.op("Equal", [b.unsqueeze(route, [-1]), b.constant(range(e), [e], "int64", "experts")]),
      "int64",
    );
    const before = b.cumSum(oneHot, 1, { exclusive: true });
    const rank = b.squeeze(b.gatherElements(before, b.unsqueeze(route, [-1]), 2), [2]); // [B, N]
    const kept = b.op("Less", [rank, b.constant([cap], [], "int64", "capacity")]);
    const slot = b.where(
      kept,
      b.add(b.mul(route, cap), rank),
      b.constant([e * cap], [], "int64", "overflow_slot"),
    );
    if (o.probeName) {
      probe(b, logits, `${o.probeName}.router_logits`, true);
      probe(b, route, `${o.probeName}.route`, true);
      probe(b, kept, `${o.probeName}.kept`, true);
    }
    // Dispatch into [B, E·cap + 1, C]; the last slot collects overflow tokens and is discarded.
    const empty = b.op("ConstantOfShape", [batchShape(b, x, [e * cap + 1, c])], {
      value: { tensor: { dtype: x.dtype, dims: [1], data: [0] } },
    });
    const buffers = b.op("ScatterElements", [empty, expandIndices(b, slot, c), x], { axis: 1 });
    const perExpert = b.reshape(b.slice(buffers, [0], [e * cap], [1]), [0, e, cap, c]);
    const hiddenAct = b.gelu(
      b.add(
        b.matmul(perExpert, b.param("experts.fc1.weight", [e, c, o.hidden])),
        b.param("experts.fc1.bias", [e, 1, o.hidden], INIT.zeros),
      ),
    );
    const out = b.add(
      b.matmul(hiddenAct, b.param("experts.fc2.weight", [e, o.hidden, c])),
      b.param("experts.fc2.bias", [e, 1, c], INIT.zeros),
    );
    const flat = b.reshape(out, [0, e * cap, c]);
    const back = b.gatherElements(
      flat,
      expandIndices(b, b.where(kept, slot, b.constant([0], [], "int64", "zero_slot")), c),
      1,
    );
    const mixed = b.where(b.unsqueeze(kept, [-1]), back, x);
    // final_output · (p / p.detach()): 1 in value, kept because the reference computes it.
    return b.mul(mixed, b.div(pMax, pMax));
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

defineModel({
  name: "Switch-S (8 experts)",
  sourceId: "switch_8_vit_small_patch16",
  family: "switch",
  testResolution: 64,
  note: "static per-image expert capacity int(1.1·N/8); tokens over capacity skip the MLP (reference drops none)",
  build: (b, o) => buildSwitchVit(b, { resolution: o.resolution, numClasses: o.numClasses }),
});
