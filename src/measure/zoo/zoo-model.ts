import type { FloatDType, GraphBuilder, Tensor } from "../onnx/index.js";

/** Options every zoo builder receives (already validated and defaulted by buildModel). */
export interface BuildOptions {
  /** Square input resolution in pixels. */
  resolution: number;
  /**
   * Resolution the benchmark pre-trained at (buildModel always sets it; absent means `resolution`).
   * Almost all reference models resize their parameters to the fine-tune resolution, so builders ignore
   * this; one that keeps pre-training shapes (interpolating in forward) uses it to reproduce that run's
   * parameter count.
   */
  pretrainResolution?: number;
  numClasses: number;
  dtype: FloatDType;
  seed: number;
}

/** One architecture of the zoo. */
export interface ZooModel {
  /** Display name as in data/models.json (e.g. "DeiT-S (LS)"). */
  name: string;
  /** The benchmark's model id as in data/models.json (e.g. "deit_small_patch16_LS"). */
  sourceId: string;
  /** Family file that defines it (e.g. "vit", "swin"). */
  family: string;
  /**
   * Returns why a resolution cannot be built (e.g. "must be a multiple of 16"), or null when it can.
   * Default: any resolution ≥ 32 that is a multiple of 16.
   */
  checkResolution?: (resolution: number) => string | null;
  /** A small resolution this model builds at, used by the CI smoke tests (default 64). */
  testResolution?: number;
  /** Builds the graph into `b` (the image input is named "pixel_values") and returns logits [batch, numClasses]. */
  build: (b: GraphBuilder, options: BuildOptions) => Tensor;
  /** Short note on what deviates from the reference, if anything (shown by `zoo list`). */
  note?: string;
  /**
   * Dataset parameter counts this builder cannot reproduce exactly, keyed by the dataset's
   * `number of parameters`, each with the reason. The shared test accepts these only when the difference
   * stays below 0.1%; every other run of the data must match exactly.
   */
  parameterDeviations?: Readonly<Record<number, string>>;
}

const MODELS = new Map<string, ZooModel>();

/**
 * Registers a model (called at import time by each family file) and returns it.
 * Throws when the name or source id is already taken.
 */
export function defineModel(model: ZooModel): ZooModel {
  for (const m of MODELS.values()) {
    if (m.name === model.name || m.sourceId === model.sourceId) {
      throw new Error(`zoo model "${model.name}" (${model.sourceId}) is registered twice`);
    }
  }
  MODELS.set(model.name, model);
  return model;
}

/** Returns all registered models in registration order. */
export function registeredModels(): ZooModel[] {
  return [...MODELS.values()];
}

/** Returns the divisibility check used by most models: resolution ≥ min and a multiple of `multiple`. */
export function multipleOf(multiple: number, min = multiple * 2): (resolution: number) => string | null {
  return (r) =>
    r % multiple !== 0 || r < min ? `resolution must be a multiple of ${multiple} and at least ${min}` : null;
}
