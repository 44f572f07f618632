/**
 * Classifies onnxruntime's error messages into the profiler's failure kinds, naming the operator and node
 * where onnxruntime names them. Patterns come from onnxruntime 1.30's messages (kernel registry, ONNX
 * checker, provider bridge, allocators).
 */

/** What an onnxruntime error means for a measurement. */
export type OrtErrorClass =
  | {
      readonly kind: "unsupported-op";
      readonly op: string;
      readonly domain: string | null;
      readonly node: string | null;
    }
  | { readonly kind: "oom" }
  | { readonly kind: "provider-unavailable" }
  | { readonly kind: "invalid-graph" }
  | { readonly kind: "error" };

/**
 * Returns the class of an onnxruntime error message.
 *
 * @example
 * classifyOrtError("Could not find an implementation for Relu(14) node with name 'relu_3'")
 * // { kind: "unsupported-op", op: "Relu", domain: null, node: "relu_3" }
 */
export function classifyOrtError(message: string): OrtErrorClass {
  // Kernel registry: the op exists in ONNX but no provider has a kernel for it (or for its types).
  let m = /Could not find an implementation for ([\w.]+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (m) return { kind: "unsupported-op", op: m[1], domain: null, node: m[3] || null };
  // Schema registry: the op is unknown in its domain.
  m = /In Node, \("([^"]*)", ([\w.]+), "([^"]*)", -?\d+\)[\s\S]*?No Op registered for ([\w.]+)/.exec(message);
  if (m) return { kind: "unsupported-op", op: m[2], domain: m[3] || null, node: m[1] || null };
  m = /(?:([\w.]+):)?([\w.]+)\(-?\d+\) is not a registered function\/op/.exec(message);
  if (m) return { kind: "unsupported-op", op: m[2], domain: m[1] ?? null, node: null };
  m = /No Op registered for ([\w.]+) with domain_version of \d+/.exec(message);
  if (m) {
    const node = /Name:\s*'?([^'\s]+)'?\s+OpType/.exec(message);
    return { kind: "unsupported-op", op: m[1], domain: null, node: node?.[1] ?? null };
  }
  if (
    /Failed to allocate memory|bad_alloc|out of memory|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|BFCArena.*Available memory/i.test(
      message,
    )
  ) {
    return { kind: "oom" };
  }
  if (
    /AppendExecutionProvider_Cuda|providers_cuda|libcudnn|libcublas|libcudart|no CUDA-capable device|CUDA driver version is insufficient|Failed to load shared library/i.test(
      message,
    )
  ) {
    return { kind: "provider-unavailable" };
  }
  if (
    /protobuf parsing failed|This is an invalid model|Load model .* failed|ValidateOpsetForDomain|model_load_utils|ShapeInferenceError|Type Error/i.test(
      message,
    )
  ) {
    return { kind: "invalid-graph" };
  }
  return { kind: "error" };
}
