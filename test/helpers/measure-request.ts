import type { MeasureRequest } from "../../src/db/queries/measure-request.js";

/** Returns a stored job request as the measurement service writes it, for tests that enqueue jobs directly. */
export function testMeasureRequest(
  deviceId: number,
  overrides: Partial<MeasureRequest> = {},
): MeasureRequest {
  return {
    models: ["ViT-Ti/16"],
    resolutions: [224],
    metrics: ["throughput"],
    provider: "cpu",
    providerUsed: "cpu",
    providerReason: null,
    device: { id: deviceId, name: "test" },
    onlyMissing: true,
    force: false,
    onlyStable: false,
    maxSecondsPerCell: 300,
    onnxPath: null,
    onnxFile: null,
    graph: "zoo",
    ...overrides,
  };
}
