import { GraphQLJSONObject } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";

import { DeviceKind } from "./catalog.enums.js";

@ObjectType({
  simpleResolvers: true,
  description:
    "A machine figures were obtained on: the paper's A100s as its runs record them, or a measuring machine.",
})
export class Device {
  @Field(() => ID, { description: "Device id; pass it (or the name) as the `device` argument." })
  id!: number;

  @Field(() => String, { description: 'Unique name, e.g. "NVIDIA A100-SXM4-80GB".' })
  name!: string;

  @Field(() => DeviceKind, { description: "CPU or GPU." })
  kind!: DeviceKind;

  @Field(() => GraphQLJSONObject, {
    description: "What describes the machine: model, cores, driver, OS, runtime, source.",
  })
  description!: Record<string, unknown>;
}
