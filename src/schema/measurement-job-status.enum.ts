import { registerEnumType } from "type-graphql";

/** State of a measurement job. */
export enum MeasurementJobStatus {
  QUEUED = "queued",
  RUNNING = "running",
  SUCCEEDED = "succeeded",
  FAILED = "failed",
  CANCELLED = "cancelled",
}

registerEnumType(MeasurementJobStatus, {
  name: "MeasurementJobStatus",
  description: "queued → running → succeeded / failed / cancelled.",
  valuesConfig: {
    QUEUED: { description: "Waiting for a worker of its device (also after a worker handed it back)." },
    RUNNING: {
      description:
        "A worker holds it (see leaseUntil); a job whose worker died is resumed by another after the lease.",
    },
    SUCCEEDED: { description: "Every cell was measured or skipped." },
    FAILED: {
      description:
        "Finished, and at least one cell failed (see errors) or the job itself failed (see error).",
    },
    CANCELLED: { description: "Cancelled; figures written before stay." },
  },
});

/** State of one cell of a measurement job. */
export enum MeasurementCellStatus {
  PENDING = "pending",
  RUNNING = "running",
  DONE = "done",
  FAILED = "failed",
  SKIPPED = "skipped",
  CANCELLED = "cancelled",
}

registerEnumType(MeasurementCellStatus, {
  name: "MeasurementCellStatus",
  description: "State of one cell (model, resolution, metric) of a job.",
  valuesConfig: {
    PENDING: { description: "Not measured yet." },
    RUNNING: { description: "Being measured." },
    DONE: { description: "Measured; the figure is `cellId`." },
    FAILED: {
      description:
        "Failed; `reasonKind` (oom, timeout, crash, unsupported-op, invalid-graph, ...) and `reason` say why.",
    },
    SKIPPED: {
      description:
        "Not measured: the figure exists (onlyMissing) or another job is measuring it (`duplicateOfJobId`).",
    },
    CANCELLED: { description: "The job was cancelled first." },
  },
});
