import * as ort from "onnxruntime-node";
import { expect } from "vitest";

import { analyzeModel, readModel } from "../../../src/measure/onnx/index.js";
import { buildModel, describeModel, referenceCounts } from "../../../src/measure/zoo/index.js";

/**
 * Shared helpers of the tests of the zoo models without benchmark figures (issue 11). Their reference counts
 * come from the paper's code itself (tobna/WhatTransformerToFavor fee42b7, timm v0.9.16, torch 1.13.1 CPU,
 * torchprofile v0.0.4; the command is in data/zoo-references.json), and each test file states its figures.
 */

/** The reference figures one test states for a model at a resolution. */
export interface StatedReference {
  resolution: number;
  params: number;
  macs: number;
}

/**
 * Asserts that the built graph has exactly `params` parameters and MACs (torchprofile's convention) within
 * `tol` of `macs`, and that data/zoo-references.json (what `zoo compare` reads) states the same figures.
 */
export function expectReference(sourceId: string, ref: StatedReference, tol = 0.01): void {
  const { graph, metadata } = describeModel(sourceId, { resolution: ref.resolution });
  const macs = analyzeModel(graph).torchprofileMacs;
  expect({ sourceId, resolution: ref.resolution, params: metadata.parameters }).toEqual({
    sourceId,
    resolution: ref.resolution,
    params: ref.params,
  });
  const rel = Math.abs(macs - ref.macs) / ref.macs;
  expect(
    rel,
    `${sourceId}@${ref.resolution}: built ${macs} MACs vs reference ${ref.macs}`,
  ).toBeLessThanOrEqual(tol);
  const stored = referenceCounts().find((r) => r.sourceId === sourceId && r.resolution === ref.resolution);
  expect(stored, `${sourceId}@${ref.resolution} in data/zoo-references.json`).toMatchObject({
    params: ref.params,
    macs: ref.macs,
  });
}

/** Builds a model in float16 and asserts that onnxruntime's CPU provider runs it at batch 2 with [2, 1000] logits. */
export async function expectRunsInFloat16(sourceId: string, resolution: number): Promise<void> {
  const m = buildModel(sourceId, { resolution, dtype: "float16" });
  expect(readModel(m.bytes).inputs[0].dtype).toBe("float16");
  const session = await ort.InferenceSession.create(m.bytes);
  try {
    const pixels = new Uint16Array(2 * 3 * resolution * resolution).fill(0x3800);
    const out = await session.run({
      pixel_values: new ort.Tensor("float16", pixels, [2, 3, resolution, resolution]),
    });
    expect(out.logits.dims).toEqual([2, 1000]);
    expect(out.logits.type).toBe("float16");
  } finally {
    await session.release();
  }
}
