import { GraphQLError } from "graphql";
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  type SubscribeResolverData,
  Subscription,
} from "type-graphql";

import type { JobCellRecord } from "../db/queries/jobs.js";
import type { Device } from "../schema/device.type.js";
import { MeasureInput } from "../schema/measure.input.js";
import {
  MeasurementJob,
  MeasurementJobCell,
  MeasurementJobConnection,
} from "../schema/measurement-job.type.js";
import { MeasurementCellStatus, type MeasurementJobStatus } from "../schema/measurement-job-status.enum.js";
import { MeasurementJobsArgs } from "../schema/measurement-jobs.args.js";
import type { DataVersion, Services } from "../services/index.js";
import {
  JOB_WATCH_INTERVAL_MS,
  type MeasurementJobView,
  type MeasurementService,
} from "../services/measurement.service.js";
import type { FavorContext } from "./context.type.js";

/**
 * The measurement API: `measure` queues a job and returns it at once; `measurementJob` / `measurementJobs` read
 * jobs (public; poll for progress) and `measurementJobProgress` streams one over graphql-ws; `cancelMeasurement` cancels. Mutations need `Authorization: Bearer <token>`
 * with a token from FAVOR_TOKENS.
 */
@Resolver(() => MeasurementJob)
export class MeasurementResolver {
  private readonly measurements: MeasurementService;
  private readonly dataVersion: DataVersion;

  constructor(services: Services) {
    this.dataVersion = services.dataVersion;
    this.measurements = services.measurements;
  }

  @Mutation(() => MeasurementJob, {
    description:
      "Queues the measurement of models × resolutions × metrics on a device and returns the job at once (poll measurementJob or subscribe to measurementJobProgress). Needs a bearer token.",
  })
  async measure(
    @Arg("input", () => MeasureInput, { description: "What to measure, where, and the budget." })
    input: MeasureInput,
    @Ctx() context: FavorContext,
  ): Promise<MeasurementJob> {
    requireToken(context);
    return toJob(await this.measurements.request(input));
  }

  @Mutation(() => MeasurementJob, {
    description:
      "Cancels a queued or running job (a running measurement is killed) and returns it. Needs a bearer token.",
  })
  async cancelMeasurement(
    @Arg("id", () => ID, { description: "Job id." }) id: string,
    @Ctx() context: FavorContext,
  ): Promise<MeasurementJob> {
    requireToken(context);
    return toJob(await this.measurements.cancel(id));
  }

  @Query(() => MeasurementJob, {
    nullable: true,
    description: "A measurement job by id (null when there is none): poll it for progress.",
  })
  async measurementJob(
    @Arg("id", () => ID, { description: "Job id." }) id: string,
  ): Promise<MeasurementJob | null> {
    const job = await this.measurements.job(id);
    // A client that sees its job ended asks for the figures next: they must be served, notified or not yet.
    if (job && TERMINAL_STATUSES.has(job.status)) await this.dataVersion.refresh();
    return job && toJob(job);
  }

  @Subscription(() => MeasurementJob, {
    description: `The job at once, then each time its status or progress changed; completes after SUCCEEDED, FAILED or CANCELLED. Over graphql-ws (protocol graphql-transport-ws) at /graphql; the job is re-read every ${JOB_WATCH_INTERVAL_MS} ms, so workers in other processes are seen too.`,
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string }, FavorContext>) =>
      // type-graphql calls `subscribe` without the resolver instance: the services come with the context.
      context.services.measurements.watch(args.id),
  })
  measurementJobProgress(
    @Root() job: MeasurementJobView,
    // Declares the argument; `subscribe` reads it.
    @Arg("id", () => ID, { description: "Job id." }) _id: string,
  ): MeasurementJob {
    return toJob(job);
  }

  @Query(() => MeasurementJobConnection, { description: "Measurement jobs, newest first." })
  async measurementJobs(
    @Args(() => MeasurementJobsArgs) args: MeasurementJobsArgs,
  ): Promise<MeasurementJobConnection> {
    const page = await this.measurements.jobs(
      args.status as MeasurementJobStatus[] | null,
      args.first,
      args.after,
    );
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: toJob(e.node) })) };
  }

  @FieldResolver(() => [MeasurementJobCell], { description: "The job's cells in planned order." })
  async cells(
    @Root() job: MeasurementJob,
    @Arg("status", () => [MeasurementCellStatus], {
      nullable: true,
      description: "Only cells in these states.",
    })
    status?: MeasurementCellStatus[] | null,
  ): Promise<MeasurementJobCell[]> {
    return (await this.measurements.cells(job.id, status)).map(toCell);
  }
}

/** Throws UNAUTHENTICATED without a bearer token and FORBIDDEN for one FAVOR_TOKENS does not list. */
function requireToken(context: FavorContext): void {
  if (context.auth.token === null) {
    throw new GraphQLError("This mutation needs an `Authorization: Bearer <token>` header", {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  if (!context.auth.authorized) {
    const why =
      context.config.tokens.length === 0
        ? "mutations are disabled: the server has no FAVOR_TOKENS"
        : "the bearer token is not allowed";
    throw new GraphQLError(`Forbidden: ${why}`, { extensions: { code: "FORBIDDEN" } });
  }
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

function toJob(view: MeasurementJobView): MeasurementJob {
  const c = view.counts;
  const ended = c.done + c.failed + c.skipped + c.cancelled;
  return {
    id: view.id,
    status: view.status as MeasurementJobStatus,
    request: view.request,
    device: view.device as Device,
    provider: view.provider,
    progress: { ...c, fraction: c.total === 0 ? 1 : ended / c.total },
    current: view.current,
    errors: view.errors.map(toCell),
    error: view.error,
    workerId: view.workerId,
    claims: view.claims,
    leaseUntil: view.leaseUntil,
    heartbeatAt: view.heartbeatAt,
    createdAt: view.createdAt,
    startedAt: view.startedAt,
    finishedAt: view.finishedAt,
  };
}

function toCell(c: JobCellRecord): MeasurementJobCell {
  return {
    id: c.id,
    modelName: c.modelName,
    resolution: c.resolution,
    metric: c.metricKey,
    status: c.status as MeasurementCellStatus,
    attempts: c.attempts,
    cellId: c.cellId,
    duplicateOfJobId: c.duplicateOfJobId,
    reasonKind: c.reasonKind,
    reason: c.reason,
    details: c.details,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
  };
}
