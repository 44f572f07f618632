import { Field, InputType } from "type-graphql";

import { OrderField } from "./order-field.enum.js";
import { SortDirection } from "./sort-direction.enum.js";

@InputType({
  description: "One ordering key: exactly one of `field` or `metric`. Missing figures sort last.",
})
export class OrderByInput {
  @Field(() => OrderField, { nullable: true, description: "A field to order by." })
  field?: OrderField | null;

  @Field(() => String, {
    nullable: true,
    description: "A metric key to order by (its value for the query's device).",
  })
  metric?: string | null;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: "Direction." })
  direction!: SortDirection;
}
