import type { VitDims } from "../onnx/index.js";
import { buildVit, VIT_SIZES } from "../onnx/index.js";
import { defineModel } from "./zoo-model.js";

/**
 * The benchmark's ViT baselines (architectures/vit.py wraps timm's VisionTransformer): DeiT-III style with
 * layer scale, `no_embed_class` (position embedding for patch tokens only) and a class token.
 */

function vit(name: string, sourceId: string, dims: VitDims, note?: string): void {
  defineModel({
    name,
    sourceId,
    family: "vit",
    note,
    build: (b, o) => buildVit(b, { ...dims, resolution: o.resolution, numClasses: o.numClasses }),
  });
}

vit("ViT-Ti/16", "ViT-Ti/16", VIT_SIZES.Ti);
vit("ViT-S/16", "ViT-S/16", VIT_SIZES.S);
vit("ViT-B/16", "ViT-B/16", VIT_SIZES.B);
