import { ArgsType, Field, Int } from "type-graphql";

import { MeasurementJobStatus } from "./measurement-job-status.enum.js";

@ArgsType()
export class MeasurementJobsArgs {
  @Field(() => [MeasurementJobStatus], {
    nullable: true,
    description: "Only jobs in these states; default all.",
  })
  status?: MeasurementJobStatus[] | null;

  @Field(() => Int, { nullable: true, description: "Page size (default 50, at most 200)." })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Cursor of the row after which the page starts." })
  after?: string | null;
}
