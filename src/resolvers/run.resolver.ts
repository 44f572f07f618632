import { Arg, Args, Ctx, FieldResolver, Float, ID, Query, Resolver, Root } from "type-graphql";
import {
  Device,
  Epoch,
  FigureVerdict,
  MetricValue,
  Model,
  Run,
  RunConnection,
  SubjectListArgs,
} from "../schema/index.js";
import { pageRequest, parseId, type Services, toConnection } from "../services/index.js";
import type { FavorContext } from "./context.type.js";
import { deviceArg, keepVerdicts, metricValue, metricValues, toRunNode } from "./nodes.js";

@Resolver(() => Run)
export class RunResolver {
  constructor(private readonly services: Services) {}

  @Query(() => RunConnection, {
    description: "The paper's runs: filter, order by any field or metric, page with cursors.",
  })
  async runs(@Args(() => SubjectListArgs) args: SubjectListArgs): Promise<RunConnection> {
    const page = pageRequest(args.first, args.after);
    const deviceId = await deviceArg(this.services, args.device);
    const { subjects, totalCount } = await this.services.runs.list(args.filter, args.orderBy, page, deviceId);
    return toConnection(subjects.map(toRunNode), page, totalCount);
  }

  @Query(() => Run, { nullable: true, description: "One run by id; null if there is none." })
  async run(
    @Arg("id", () => ID, { description: 'Run id (`5` and `"5"` both work).' }) id: string,
    @Arg("device", () => ID, {
      nullable: true,
      description: "Device for per-device figures; omitted = the paper's.",
    })
    device?: string | null,
  ): Promise<Run | null> {
    const subject = await this.services.runs.byId(parseId(id, "id"), await deviceArg(this.services, device));
    return subject ? toRunNode(subject) : null;
  }

  @FieldResolver(() => Model, { description: "The run's model." })
  model(@Root() run: Run): Model {
    return run.modelRow;
  }

  @FieldResolver(() => Device, {
    description: "The GPU type the run recorded (the paper's per-device figures are on it).",
  })
  async device(@Root() run: Run): Promise<Device> {
    return (await this.services.catalog.findDevice(run.deviceId)) as Device;
  }

  @FieldResolver(() => [MetricValue], {
    description:
      "The run's figures for the query's device, in the order of `keys` (default: the catalogue); metrics without a figure are left out.",
  })
  metrics(
    @Root() run: Run,
    @Arg("keys", () => [String], { nullable: true, description: "Metric keys to return." }) keys?:
      | string[]
      | null,
    @Arg("verdicts", () => [FigureVerdict], {
      nullable: true,
      description:
        "Only measured latency and throughput figures with one of these validity verdicts (e.g. [STABLE]); figures without a verdict (the paper's, memory, parameters) are kept.",
    })
    verdicts?: FigureVerdict[] | null,
    @Ctx() ctx?: FavorContext,
  ): MetricValue[] | Promise<MetricValue[]> {
    const list = metricValues(this.services, run.values, keys);
    return verdicts ? keepVerdicts(list, verdicts, ctx!) : list;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: "The value of one metric for the query's device; null without a figure.",
  })
  value(
    @Root() run: Run,
    @Arg("metric", () => String, { description: "Metric key." }) metric: string,
  ): Promise<number | null> {
    return metricValue(this.services, run.values, metric);
  }

  @FieldResolver(() => [Epoch], {
    description: "Per-epoch curves of the fine-tuning, epoch 1 first (all 16 fields).",
  })
  async epochs(@Root() run: Run, @Ctx() ctx: FavorContext): Promise<Epoch[]> {
    return (await ctx.loaders.epochs(run.id)) ?? [];
  }
}
