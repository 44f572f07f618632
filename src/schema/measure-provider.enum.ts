import { registerEnumType } from "type-graphql";

/** The execution provider a measurement asks for. */
export enum MeasureProvider {
  CPU = "cpu",
  CUDA = "cuda",
  AUTO = "auto",
}

registerEnumType(MeasureProvider, {
  name: "MeasureProvider",
  description: "onnxruntime execution provider of a measurement.",
  valuesConfig: {
    CPU: { description: "onnxruntime's CPU provider." },
    CUDA: {
      description:
        "onnxruntime's CUDA provider; BAD_USER_INPUT where its binaries or a GPU are missing (never a silent CPU run).",
    },
    AUTO: { description: "CUDA where its binaries and a GPU are present, else CPU; the job records which." },
  },
});
