import { Args, Query, Resolver } from "type-graphql";
import { AggregatesArgs, MetricAggregate } from "../schema/index.js";
import type { SubjectLevel as ServiceLevel, Services } from "../services/index.js";
import { deviceArg } from "./nodes.js";

@Resolver()
export class AggregateResolver {
  constructor(private readonly services: Services) {}

  @Query(() => [MetricAggregate], {
    description:
      "min/max/mean/count of a metric per group (taxonomy class, family, category or resolution), over runs or model@resolution rows matching a filter.",
  })
  async aggregates(@Args(() => AggregatesArgs) args: AggregatesArgs): Promise<MetricAggregate[]> {
    const deviceId = await deviceArg(this.services, args.device);
    return this.services.aggregates.byGroup(
      args.metric,
      args.groupBy,
      args.level as ServiceLevel,
      args.filter,
      deviceId,
    );
  }
}
