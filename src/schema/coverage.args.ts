import { ArgsType, Field, ID } from "type-graphql";

@ArgsType()
export class CoverageArgs {
  @Field(() => ID, { nullable: true, description: "Device (id or name); omitted = the paper's figures." })
  device?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: "Metric keys, each once; omitted = the whole catalogue.",
  })
  metrics?: string[] | null;

  @Field(() => Boolean, { defaultValue: false, description: "Return only the missing cells." })
  onlyMissing!: boolean;
}
