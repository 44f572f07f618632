import { GraphQLDateTime, GraphQLJSONObject } from "graphql-scalars";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";

import { createConnectionType } from "./connection.type.js";
import { Device } from "./device.type.js";
import { MeasurementCellStatus, MeasurementJobStatus } from "./measurement-job-status.enum.js";

@ObjectType({ description: "Cell counts of a job by state." })
export class MeasurementProgress {
  @Field(() => Int, { description: "Cells of the job." })
  total!: number;

  @Field(() => Int, { description: "Cells measured (figures written)." })
  done!: number;

  @Field(() => Int, { description: "Cells that failed." })
  failed!: number;

  @Field(() => Int, { description: "Cells skipped (figure exists, or measured by another job)." })
  skipped!: number;

  @Field(() => Int, { description: "Cells waiting." })
  pending!: number;

  @Field(() => Int, { description: "Cells being measured." })
  running!: number;

  @Field(() => Int, { description: "Cells cancelled." })
  cancelled!: number;

  @Field(() => Float, {
    description:
      "Share of cells that have ended (done, failed, skipped, cancelled), 0-1; 1 for a job without cells.",
  })
  fraction!: number;
}

@ObjectType({ description: "One cell (model, resolution, metric) of a measurement job." })
export class MeasurementJobCell {
  @Field(() => ID, { description: "Id of the job cell." })
  id!: number;

  @Field(() => String, { description: "Model display name." })
  modelName!: string;

  @Field(() => Int, { description: "Resolution in pixels." })
  resolution!: number;

  @Field(() => String, { description: "Metric key." })
  metric!: string;

  @Field(() => MeasurementCellStatus, { description: "State." })
  status!: MeasurementCellStatus;

  @Field(() => Int, { description: "Times a worker started this cell (more than 1: its worker died)." })
  attempts!: number;

  @Field(() => ID, { nullable: true, description: "Id of the figure written (done cells)." })
  cellId!: number | null;

  @Field(() => ID, {
    nullable: true,
    description: "The job measuring this cell instead (skipped duplicates).",
  })
  duplicateOfJobId!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Failure kind (oom, timeout, crash, unsupported-op, invalid-graph, provider-unavailable, worker-died, ...) or skip reason (exists, duplicate).",
  })
  reasonKind!: string | null;

  @Field(() => String, { nullable: true, description: "Why it failed or was skipped." })
  reason!: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "Facts about a failure: exit code, signal, operator, memory budget, stderr tail.",
  })
  details!: Record<string, unknown> | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "When its measurement started." })
  startedAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "When it ended." })
  finishedAt!: Date | null;
}

@ObjectType({
  description:
    "A measurement job. Poll `measurementJob(id)` (e.g. every second) until `status` is SUCCEEDED, FAILED or CANCELLED, or subscribe to `measurementJobProgress(id)`; `progress` and `current` tell where it is.",
})
export class MeasurementJob {
  @Field(() => ID, { description: "Job id." })
  id!: number;

  @Field(() => MeasurementJobStatus, { description: "State." })
  status!: MeasurementJobStatus;

  @Field(() => GraphQLJSONObject, {
    description:
      "The request as normalised: models, resolutions, metrics, provider (asked and used), device, onlyMissing/force, maxSecondsPerCell.",
  })
  request!: Record<string, unknown>;

  @Field(() => Device, {
    description: "The device the job measures on; pass its id as `device` to read the figures.",
  })
  device!: Device;

  @Field(() => String, { description: "The execution provider the job runs with: cpu, cuda or webgpu." })
  provider!: string;

  @Field(() => MeasurementProgress, { description: "Cell counts by state." })
  progress!: MeasurementProgress;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "What is being measured now: modelName, resolution, metrics, startedAt.",
  })
  current!: Record<string, unknown> | null;

  @Field(() => [MeasurementJobCell], { description: "Failed cells with their reasons (the first 100)." })
  errors!: MeasurementJobCell[];

  @Field(() => String, { nullable: true, description: "Why the job as a whole failed, where it did." })
  error!: string | null;

  @Field(() => String, { nullable: true, description: "The worker holding (or that last held) the job." })
  workerId!: string | null;

  @Field(() => Int, {
    description: "How often a worker claimed the job (more than 1: resumed after a worker died or stopped).",
  })
  claims!: number;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: "Until when the worker's lease holds; after it another worker may resume the job.",
  })
  leaseUntil!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "The worker's last heartbeat." })
  heartbeatAt!: Date | null;

  @Field(() => GraphQLDateTime, { description: "When the job was requested." })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: "When a worker first started it." })
  startedAt!: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "When it ended." })
  finishedAt!: Date | null;
}

export const MeasurementJobConnection = createConnectionType(MeasurementJob, "MeasurementJob");
export type MeasurementJobConnection = InstanceType<typeof MeasurementJobConnection>;
