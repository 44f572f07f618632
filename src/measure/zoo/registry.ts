import type { FloatDType, ReadGraph } from "../onnx/index.js";
import { BATCH, DEFAULT_OPSET, GraphBuilder } from "../onnx/index.js";
import { catalogueModels } from "./catalogue.js";
import type { ZooModel } from "./zoo-model.js";
import { multipleOf, registeredModels } from "./zoo-model.js";

// One import line per family file: each registers its models with defineModel() when loaded.
import "./vit.js";
import "./xcit.js";
import "./synthesizer.js";
import "./polysa.js";
import "./nystromformer.js";
import "./mlp-mixer.js";
import "./linformer.js";
import "./gfnet.js";
import "./fnet.js";
import "./cait.js";
import "./swin.js";
import "./stvit.js";
import "./resnet.js";
import "./focalnet.js";
import "./cvt.js";
import "./coat.js";
import "./efficientformer-v2.js";
import "./wave-vit.js";
import "./token-learner.js";
import "./tome.js";
import "./evit.js";
import "./dynamic-vit.js";
import "./routing-vit.js";
import "./sinkhorn-cait.js";
import "./switch.js";
import "./fastvit.js";
import "./hydra-attention.js";
import "./linear-transformer.js";
import "./swiftformer.js";
import "./rest.js";
import "./efficient-mod.js";
import "./efficient-vit.js";
import "./next-vit.js";
import "./hivit.js";
import "./afno.js";
import "./performer.js";
import "./informer.js";
import "./reformer.js";
import "./slab.js";
import "./halonet.js";
import "./a-vit.js";

/** Options of buildModel; all but resolution have defaults. */
export interface BuildModelOptions {
  resolution: number;
  /** Pre-training resolution of the run to reproduce (default: `resolution`); see BuildOptions. */
  pretrainResolution?: number;
  numClasses?: number;
  dtype?: FloatDType;
  seed?: number;
}

/** What a built zoo graph is, besides its bytes. */
export interface BuiltModelMetadata {
  name: string;
  sourceId: string;
  family: string;
  resolution: number;
  pretrainResolution: number;
  numClasses: number;
  dtype: FloatDType;
  seed: number;
  opset: number;
  /** Number of trainable parameters (elements of the float initializers). */
  parameters: number;
  inputName: string;
  inputShape: Array<number | string>;
  outputName: string;
}

/** A built model: ONNX ModelProto bytes plus metadata. */
export interface BuiltModel {
  bytes: Uint8Array;
  metadata: BuiltModelMetadata;
}

/** Thrown for an unknown model name or an unbuildable resolution. */
export class ZooError extends Error {
  override name = "ZooError";
}

/** Returns every registered zoo model, in the order of data/models.json (others last). */
export function listModels(): ZooModel[] {
  const order = new Map(catalogueModels().map((m, i) => [m.sourceId, i]));
  return registeredModels().sort(
    (a, b) => (order.get(a.sourceId) ?? Infinity) - (order.get(b.sourceId) ?? Infinity),
  );
}

/** Returns the model with this display name or source id (case-insensitive), or undefined. */
export function findModel(nameOrId: string): ZooModel | undefined {
  const key = nameOrId.trim().toLowerCase();
  return registeredModels().find((m) => m.name.toLowerCase() === key || m.sourceId.toLowerCase() === key);
}

/** Returns the model with this display name or source id; throws ZooError listing the known names otherwise. */
export function getModel(nameOrId: string): ZooModel {
  const m = findModel(nameOrId);
  if (!m) {
    throw new ZooError(
      `unknown zoo model "${nameOrId}"; known: ${registeredModels()
        .map((x) => x.name)
        .join(", ")}`,
    );
  }
  return m;
}

/** Returns why `resolution` cannot be built for `model`, or null when it can. */
export function resolutionProblem(model: ZooModel, resolution: number): string | null {
  if (!Number.isInteger(resolution) || resolution <= 0)
    return `resolution must be a positive integer, got ${resolution}`;
  return (model.checkResolution ?? multipleOf(16, 32))(resolution);
}

/**
 * Builds a zoo model as ONNX ModelProto bytes with seeded random weights; the input is
 * "pixel_values" [batch, 3, r, r] and the output "logits" [batch, numClasses].
 * Throws ZooError for an unknown name, a bad resolution or option.
 */
export function buildModel(nameOrId: string, options: BuildModelOptions): BuiltModel {
  const { builder, metadata } = construct(nameOrId, options, true);
  const bytes = builder.toBytes({
    "favor.model": metadata.name,
    "favor.source_id": metadata.sourceId,
    "favor.resolution": String(metadata.resolution),
    "favor.seed": String(metadata.seed),
    "favor.parameters": String(metadata.parameters),
  });
  return { bytes, metadata };
}

/**
 * Returns a zoo model's graph structure (no weight data, not serialised) with its metadata: the fast
 * path for parameter counts and analyzeModel(). Throws like buildModel.
 */
export function describeModel(
  nameOrId: string,
  options: BuildModelOptions,
): { graph: ReadGraph; metadata: BuiltModelMetadata } {
  const { builder, metadata } = construct(nameOrId, options, false);
  return { graph: builder.toGraph(), metadata };
}

function construct(
  nameOrId: string,
  options: BuildModelOptions,
  weights: boolean,
): { builder: GraphBuilder; metadata: BuiltModelMetadata } {
  const model = getModel(nameOrId);
  const numClasses = options.numClasses ?? 1000;
  const dtype = options.dtype ?? "float32";
  const seed = options.seed ?? 0;
  const problem = resolutionProblem(model, options.resolution);
  if (problem) throw new ZooError(`${model.name}: ${problem}`);
  const pretrainResolution = options.pretrainResolution ?? options.resolution;
  const pretrainProblem = resolutionProblem(model, pretrainResolution);
  if (pretrainProblem) throw new ZooError(`${model.name}: pretrainResolution: ${pretrainProblem}`);
  if (!Number.isInteger(numClasses) || numClasses < 1)
    throw new ZooError(`numClasses must be a positive integer, got ${numClasses}`);
  if (dtype !== "float32" && dtype !== "float16")
    throw new ZooError(`dtype must be float32 or float16, got ${String(dtype)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new ZooError(`seed must be an integer in [0, 2^32), got ${seed}`);

  const b = new GraphBuilder({ name: model.sourceId, dtype, seed, opset: DEFAULT_OPSET, weights });
  const logits = model.build(b, {
    resolution: options.resolution,
    pretrainResolution,
    numClasses,
    dtype,
    seed,
  });
  const [batch, classes] = logits.shape;
  if (logits.shape.length !== 2 || batch !== BATCH || classes !== numClasses) {
    throw new Error(
      `${model.name} builder returned logits of shape [${logits.shape.join(",")}], expected [${BATCH},${numClasses}]`,
    );
  }
  b.output(logits, "logits");
  const metadata: BuiltModelMetadata = {
    name: model.name,
    sourceId: model.sourceId,
    family: model.family,
    resolution: options.resolution,
    pretrainResolution,
    numClasses,
    dtype,
    seed,
    opset: b.opset,
    parameters: b.parameterCount,
    inputName: "pixel_values",
    inputShape: [BATCH, 3, options.resolution, options.resolution],
    outputName: "logits",
  };
  return { builder: b, metadata };
}
