import { Arg, Ctx, FieldResolver, Float, Resolver, Root } from "type-graphql";
import { FigureVerdict, MetricValue, Model, ModelResolution, Run } from "../schema/index.js";
import type { Services } from "../services/index.js";
import type { FavorContext } from "./context.type.js";
import { keepVerdicts, metricValue, metricValues, toRunNode } from "./nodes.js";

@Resolver(() => ModelResolution)
export class ModelResolutionResolver {
  constructor(private readonly services: Services) {}

  @FieldResolver(() => Model, { description: "The model." })
  model(@Root() row: ModelResolution): Model {
    return row.modelRow;
  }

  @FieldResolver(() => Run, {
    nullable: true,
    description: "The representative run whose figures this row shows; null when only measured.",
  })
  run(@Root() row: ModelResolution): Run | null {
    return row.subject.run ? toRunNode(row.subject) : null;
  }

  @FieldResolver(() => [MetricValue], {
    description:
      "The row's figures for the query's device, in the order of `keys` (default: the catalogue); metrics without a figure are left out.",
  })
  metrics(
    @Root() row: ModelResolution,
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
    const list = metricValues(this.services, row.subject.values, keys);
    return verdicts ? keepVerdicts(list, verdicts, ctx!) : list;
  }

  @FieldResolver(() => Float, {
    nullable: true,
    description: "The value of one metric for the query's device; null without a figure.",
  })
  value(
    @Root() row: ModelResolution,
    @Arg("metric", () => String, { description: "Metric key." }) metric: string,
  ): Promise<number | null> {
    return metricValue(this.services, row.subject.values, metric);
  }
}
