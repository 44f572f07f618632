import { describe, expect, it } from "vitest";

import { classifyOrtError } from "../../../src/measure/profiler/ort-errors.js";

describe("classifyOrtError", () => {
  it("names the op and node of a missing kernel", () => {
    expect(
      classifyOrtError("Could not find an implementation for ConvInteger(10) node with name 'conv_7'"),
    ).toEqual({
      kind: "unsupported-op",
      op: "ConvInteger",
      domain: null,
      node: "conv_7",
    });
  });

  it("names the op, domain and node of an unknown op (onnxruntime 1.30's messages)", () => {
    expect(
      classifyOrtError(
        'This is an invalid model. In Node, ("the_node", Frobnicate, "", -1) : ("x": tensor(float),) -> ("y": tensor(float),) , Error No Op registered for Frobnicate with domain_version of 17',
      ),
    ).toEqual({ kind: "unsupported-op", op: "Frobnicate", domain: null, node: "the_node" });
    expect(
      classifyOrtError("Fatal error: favor.test:Frobnicate(-1) is not a registered function/op"),
    ).toEqual({
      kind: "unsupported-op",
      op: "Frobnicate",
      domain: "favor.test",
      node: null,
    });
  });

  it("recognises allocation failures", () => {
    expect(classifyOrtError("Failed to allocate memory for requested buffer of size 123456").kind).toBe(
      "oom",
    );
    expect(classifyOrtError("std::bad_alloc").kind).toBe("oom");
    expect(classifyOrtError("CUDA failure 2: out of memory ; GPU=0").kind).toBe("oom");
  });

  it("recognises a provider that cannot load", () => {
    expect(
      classifyOrtError("OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library").kind,
    ).toBe("provider-unavailable");
    expect(classifyOrtError("libcudnn.so.9: cannot open shared object file").kind).toBe(
      "provider-unavailable",
    );
  });

  it("recognises invalid graphs", () => {
    expect(classifyOrtError("Failed to load model because protobuf parsing failed.").kind).toBe(
      "invalid-graph",
    );
    expect(
      classifyOrtError(
        "This is an invalid model. Type Error: Type 'tensor(uint16)' of input parameter (x) of operator (Relu) in node (n) is invalid.",
      ).kind,
    ).toBe("invalid-graph");
  });

  it("leaves anything else as a plain error", () => {
    expect(classifyOrtError("something else went wrong")).toEqual({ kind: "error" });
  });
});
