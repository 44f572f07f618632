import { Field, Float, ID, InputType, Int } from "type-graphql";

import { MeasureProvider } from "./measure-provider.enum.js";

@InputType({ description: "What to measure: models × resolutions × metrics on one device." })
export class MeasureInput {
  @Field(() => [String], {
    nullable: true,
    description:
      "Models by display name or benchmark id, each once; or leave out and pass `allModels: true`.",
  })
  models?: string[] | null;

  @Field(() => Boolean, { defaultValue: false, description: "Measure every model the ONNX zoo can build." })
  allModels!: boolean;

  @Field(() => [Int], {
    nullable: true,
    description: "Square input resolutions in pixels (32-1024, buildable by each model); default [224].",
  })
  resolutions?: number[] | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Metric keys to measure; default all measurable: params, macs, flops, latencyP50Ms/P90Ms/P99Ms, throughput, inferenceMemoryB1/B32/B64/B128.",
  })
  metrics?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "A registered measuring device (id or name) whose worker should measure; default this server's machine.",
  })
  device?: string | null;

  @Field(() => MeasureProvider, { defaultValue: MeasureProvider.AUTO, description: "Execution provider." })
  provider!: MeasureProvider;

  @Field(() => Boolean, {
    defaultValue: true,
    description: "Skip cells that already have a figure for the device (default).",
  })
  onlyMissing!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description: "Measure again even where a figure exists (replaces the measured figure).",
  })
  force!: boolean;

  @Field(() => Boolean, {
    defaultValue: false,
    description:
      "Only stable figures: an existing measured figure whose validity verdict is not `stable` counts as missing, and a latency or throughput figure that stays unstable after its re-measurements fails its cell (reason `unstable`) instead of being stored.",
  })
  onlyStable!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      "A user's .onnx file to measure instead of the zoo's graph, relative to the server's FAVOR_ONNX_DIR (off when unset); needs exactly one model and one resolution, the figures are stored as theirs with the file's SHA-256 in the provenance. The worker reads the same path.",
  })
  onnxPath?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Time budget of each measurement (one profiler process) in seconds; default 300, at most 3600. Past it the cell fails with `timeout`.",
  })
  maxSecondsPerCell?: number | null;
}
