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

// DeiT-III's own vit_models (architectures/deit.py, deit_small_patch16_LS): the same graph as the timm
// ViT-S/16 above (layer scale, qkv bias, position embedding without the class token).
vit("DeiT-S (LS)", "deit_small_patch16_LS", VIT_SIZES.S);
