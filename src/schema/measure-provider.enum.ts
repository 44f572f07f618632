import { registerEnumType } from "type-graphql";

/** The execution provider a measurement asks for. */
export enum MeasureProvider {
  CPU = "cpu",
  CUDA = "cuda",
  WEBGPU = "webgpu",
  AUTO = "auto",
}

registerEnumType(MeasureProvider, {
  name: "MeasureProvider",
  description: "onnxruntime execution provider of a measurement.",
  valuesConfig: {
    CPU: { description: "onnxruntime's CPU provider." },
    CUDA: {
      description:
        "onnxruntime's CUDA provider; PROVIDER_UNAVAILABLE where its binaries or a GPU are missing (never a silent CPU run).",
    },
    WEBGPU: {
      description:
        "onnxruntime's WebGPU provider (Dawn over Vulkan), a device of its own beside the same GPU under CUDA; PROVIDER_UNAVAILABLE naming what is missing (the Vulkan loader libvulkan.so.1, or an adapter) where it cannot run.",
    },
    AUTO: {
      description:
        "CUDA where its binaries and a GPU are present, else WebGPU where an adapter is found, else CPU; the job records which and why.",
    },
  },
});
