import { describe, expect, it } from "vitest";

import {
  type MeasureRequest,
  parseMeasureRequest,
  publicMeasureRequest,
} from "../../src/db/queries/measure-request.js";

const STORED: MeasureRequest = {
  models: ["ViT-Ti/16"],
  resolutions: [224],
  metrics: ["params", "throughput"],
  provider: "auto",
  providerUsed: "cpu",
  providerReason: "cuda cannot run",
  device: { id: 3, name: "AMD EPYC (2 cores)" },
  onlyMissing: true,
  force: false,
  onlyStable: false,
  maxSecondsPerCell: 300,
  onnxPath: "model.onnx",
  onnxFile: "/srv/onnx/model.onnx",
  graph: `sha256:${"a".repeat(64)}`,
};

describe("parseMeasureRequest", () => {
  it("Handles a stored request, as text or parsed, keeping its keys in order", () => {
    expect(parseMeasureRequest(JSON.parse(JSON.stringify(STORED)))).toEqual(STORED);
    expect(Object.keys(parseMeasureRequest({ ...STORED }))).toEqual(Object.keys(STORED));
    expect(parseMeasureRequest({ ...STORED, graph: "zoo", onnxPath: null, onnxFile: null }).graph).toBe(
      "zoo",
    );
  });

  it("Refuses a malformed request, naming the field", () => {
    expect(() => parseMeasureRequest(null)).toThrow(/expected an object/);
    expect(() => parseMeasureRequest({ ...STORED, graph: "sha256:xyz" })).toThrow(/graph/);
    expect(() => parseMeasureRequest({ ...STORED, resolutions: ["224"] })).toThrow(/resolutions/);
    expect(() => parseMeasureRequest({ ...STORED, device: { id: "3" } })).toThrow(/device/);
    const { force: _force, ...withoutForce } = STORED;
    expect(() => parseMeasureRequest(withoutForce)).toThrow(/force must be a boolean/);
  });
});

describe("publicMeasureRequest", () => {
  it("Handles the internal file path by leaving it out", () => {
    expect(publicMeasureRequest(STORED)).not.toHaveProperty("onnxFile");
    expect(publicMeasureRequest(STORED).onnxPath).toBe("model.onnx");
  });
});
