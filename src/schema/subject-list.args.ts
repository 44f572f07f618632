import { ArgsType, Field, ID, Int } from "type-graphql";

import { OrderByInput } from "./order-by.input.js";
import { SubjectFilterInput } from "./subject-filter.input.js";

@ArgsType()
export class SubjectListArgs {
  @Field(() => SubjectFilterInput, { nullable: true, description: "Which rows." })
  filter?: SubjectFilterInput | null;

  @Field(() => [OrderByInput], {
    nullable: true,
    description: "Ordering keys, most significant first; ties end by model name, resolution, run id.",
  })
  orderBy?: OrderByInput[] | null;

  @Field(() => Int, { nullable: true, description: "Page size, default 50, at most 200." })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Return rows after this cursor (`pageInfo.endCursor`).",
  })
  after?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Device (id or name) for per-device figures; omitted = the paper's figures on the GPU each run recorded.",
  })
  device?: string | null;
}
