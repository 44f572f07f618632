import { registerEnumType } from "type-graphql";

/** Operators of a metric constraint (values match src/services/subject-query.ts). */
export enum ComparisonOperator {
  EQ = "EQ",
  NE = "NE",
  GT = "GT",
  GTE = "GTE",
  LT = "LT",
  LTE = "LTE",
  IN = "IN",
}

registerEnumType(ComparisonOperator, {
  name: "ComparisonOperator",
  description: "How a metric constraint compares a figure: `metric op value`, or `metric IN values`.",
  valuesConfig: {
    EQ: { description: "Equal to `value`." },
    NE: { description: "Not equal to `value` (subjects without the figure still do not match)." },
    GT: { description: "Greater than `value`." },
    GTE: { description: "Greater than or equal to `value`." },
    LT: { description: "Less than `value`." },
    LTE: { description: "Less than or equal to `value`." },
    IN: { description: "Equal to one of `values`." },
  },
});
