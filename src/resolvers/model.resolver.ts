import { Arg, Args, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { Model, ModelResolution, ModelResolutionConnection, Run, SubjectListArgs } from "../schema/index.js";
import { pageRequest, type Services, toConnection } from "../services/index.js";
import { deviceArg, toModelResolutionNode, toRunNode } from "./nodes.js";

@Resolver(() => Model)
export class ModelResolver {
  constructor(private readonly services: Services) {}

  @Query(() => ModelResolutionConnection, {
    description:
      "Model@resolution rows (one per model and fine-tune resolution; see ModelResolution for how duplicate runs combine): filter by name, family, taxonomy class, resolution and any metric; order by any field or metric; page with cursors.",
  })
  async models(@Args(() => SubjectListArgs) args: SubjectListArgs): Promise<ModelResolutionConnection> {
    const page = pageRequest(args.first, args.after);
    const deviceId = await deviceArg(this.services, args.device);
    const { subjects, totalCount } = await this.services.models.list(
      args.filter,
      args.orderBy,
      page,
      deviceId,
    );
    return toConnection(subjects.map(toModelResolutionNode), page, totalCount);
  }

  @Query(() => Model, {
    description: "One model by display name or benchmark id; BAD_USER_INPUT if unknown.",
  })
  async model(
    @Arg("name", () => String, {
      description: 'Display name ("ViT-S/16") or benchmark id ("deit_small_patch16_LS").',
    })
    name: string,
  ): Promise<Model> {
    await this.services.catalog.sync();
    return this.services.models.byName(name);
  }

  @Query(() => [Model], { description: "Every benchmarked model, ordered by name." })
  async modelList(): Promise<Model[]> {
    await this.services.catalog.sync();
    return this.services.models.all();
  }

  @FieldResolver(() => [ModelResolution], {
    description: "The model's model@resolution rows, lowest resolution first.",
  })
  async resolutions(
    @Root() model: Model,
    @Arg("device", () => ID, {
      nullable: true,
      description: "Device for per-device figures; omitted = the paper's.",
    })
    device?: string | null,
  ): Promise<ModelResolution[]> {
    const subjects = await this.services.models.resolutionsOf(
      model.id,
      await deviceArg(this.services, device),
    );
    return subjects.map(toModelResolutionNode);
  }

  @FieldResolver(() => [Run], { description: "All the model's paper runs, by resolution then id." })
  async runs(
    @Root() model: Model,
    @Arg("device", () => ID, {
      nullable: true,
      description: "Device for per-device figures; omitted = the paper's.",
    })
    device?: string | null,
  ): Promise<Run[]> {
    const subjects = await this.services.runs.ofModel(model.id, await deviceArg(this.services, device));
    return subjects.map(toRunNode);
  }
}
