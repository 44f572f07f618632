import type { GraphBuilder, Tensor } from "../onnx/index.js";
import { imageInput, linear } from "../onnx/index.js";
import { convBn, dim } from "./blocks-hierarchical.js";
import { defineModel } from "./zoo-model.js";

/**
 * ResNet-50 as the benchmark builds it (architectures/resnet.py wraps timm's ResNet with Bottleneck blocks
 * [3, 4, 6, 3]): 7x7/2 stem conv, BatchNorm, ReLU, 3x3/2 max pool; bottlenecks 1x1 → 3x3 (stride here, as
 * in timm) → 1x1 with expansion 4 and a 1x1 conv + BN projection shortcut on the first block of each stage;
 * global average pool and a linear classifier. BatchNorm is kept as inference-mode BatchNormalization
 * (its weight and bias are parameters, its running statistics constants), not folded into the convs.
 */

function bottleneck(
  b: GraphBuilder,
  x: Tensor,
  name: string,
  inC: number,
  planes: number,
  stride: number,
): Tensor {
  return b.scope(name, () => {
    const out = planes * 4;
    let y = b.relu(convBn(b, x, inC, planes, 1, "conv1", "bn1", { bias: false }));
    y = b.relu(convBn(b, y, planes, planes, 3, "conv2", "bn2", { stride, padding: 1, bias: false }));
    y = convBn(b, y, planes, out, 1, "conv3", "bn3", { bias: false });
    const shortcut =
      stride !== 1 || inC !== out
        ? convBn(b, x, inC, out, 1, "downsample.0", "downsample.1", { stride, bias: false })
        : x;
    return b.relu(b.add(y, shortcut));
  });
}

/** Builds a Bottleneck ResNet with the given blocks per stage and returns the logits. */
export function buildResnet(
  b: GraphBuilder,
  layers: number[],
  resolution: number,
  numClasses: number,
): Tensor {
  const img = imageInput(b, resolution);
  let x = b.relu(convBn(b, img, 3, 64, 7, "conv1", "bn1", { stride: 2, padding: 3, bias: false }));
  x = b.maxPool(x, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] });
  let inC = 64;
  layers.forEach((n, s) => {
    const planes = 64 * 2 ** s;
    for (let i = 0; i < n; i++) {
      x = bottleneck(b, x, `layer${s + 1}.${i}`, inC, planes, i === 0 && s > 0 ? 2 : 1);
      inC = planes * 4;
    }
  });
  const pooled = b.reshape(b.globalAvgPool(x), [0, dim(x, 1)]);
  return linear(b, pooled, inC, numClasses, "fc");
}

defineModel({
  name: "ResNet-50",
  sourceId: "resnet50",
  family: "resnet",
  checkResolution: (r) => (r < 32 ? "resolution must be at least 32 (five stride-2 stages)" : null),
  testResolution: 64,
  build: (b, o) => buildResnet(b, [3, 4, 6, 3], o.resolution, o.numClasses),
});
