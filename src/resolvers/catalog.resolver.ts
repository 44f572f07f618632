import { GraphQLJSONObject } from "graphql-scalars";
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import {
  CellSource,
  Device,
  FigureValidity,
  Metric,
  MetricStage,
  MetricValue,
  Taxonomy,
  validityOf,
} from "../schema/index.js";
import type { Services } from "../services/index.js";
import type { FavorContext } from "./context.type.js";

@Resolver()
export class CatalogResolver {
  constructor(private readonly services: Services) {}

  @Query(() => [Metric], {
    description: "The metric catalogue (what every figure key means), optionally one stage.",
  })
  async metrics(
    @Arg("stage", () => MetricStage, { nullable: true, description: "Only metrics of this stage." })
    stage?: MetricStage | null,
  ): Promise<Metric[]> {
    await this.services.catalog.sync();
    const all = (await this.services.catalog.listMetrics()) as Metric[];
    return stage ? all.filter((m) => m.stage === stage) : all;
  }

  @Query(() => Metric, { description: "One metric by key; BAD_USER_INPUT if unknown." })
  async metric(@Arg("key", () => String, { description: "Metric key." }) key: string): Promise<Metric> {
    await this.services.catalog.sync();
    return (await this.services.catalog.metric(key)) as Metric;
  }

  @Query(() => [Device], { description: "Devices figures were obtained on, by id." })
  async devices(): Promise<Device[]> {
    await this.services.catalog.sync();
    return (await this.services.catalog.listDevices()) as Device[];
  }

  @Query(() => Device, { description: "One device by id or name; BAD_USER_INPUT if unknown." })
  async device(
    @Arg("id", () => ID, { description: "Device id or exact name." }) id: string,
  ): Promise<Device> {
    await this.services.catalog.sync();
    return (await this.services.catalog.device(id)) as Device;
  }

  @Query(() => Taxonomy, {
    description: "The dashboard's taxonomy classes and the paper's two-level taxonomy, with their models.",
  })
  async taxonomy(): Promise<Taxonomy> {
    await this.services.catalog.sync();
    const [classes, categories] = await Promise.all([
      this.services.taxonomy.classes(),
      this.services.taxonomy.categories(),
    ]);
    return { classes, categories };
  }
}

@Resolver(() => MetricValue)
export class MetricValueResolver {
  constructor(private readonly services: Services) {}

  @FieldResolver(() => Device, {
    nullable: true,
    description: "The device the figure was obtained on; null for device-independent figures.",
  })
  async device(@Root() value: MetricValue): Promise<Device | null> {
    return value.deviceId == null
      ? null
      : ((await this.services.catalog.findDevice(value.deviceId)) as Device | null);
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description:
      "Where the figure came from: source file and field for the paper; runtime, provider, threads, iterations, spread for measurements.",
  })
  async provenance(@Root() value: MetricValue, @Ctx() ctx: FavorContext): Promise<Record<string, unknown>> {
    return (await ctx.loaders.provenance(value.cellId)) ?? {};
  }

  @FieldResolver(() => FigureValidity, {
    nullable: true,
    description:
      "The validity verdict of a measured latency or throughput figure (stable / unstable / invalid, with the machine's load); null for the paper's figures and for untimed ones.",
  })
  async validity(@Root() value: MetricValue, @Ctx() ctx: FavorContext): Promise<FigureValidity | null> {
    if (value.source !== CellSource.MEASURED) return null;
    return validityOf(await ctx.loaders.provenance(value.cellId));
  }
}
