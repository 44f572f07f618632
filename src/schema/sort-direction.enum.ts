import { registerEnumType } from "type-graphql";

/** Sort direction of an ordering key. */
export enum SortDirection {
  ASC = "ASC",
  DESC = "DESC",
}

registerEnumType(SortDirection, {
  name: "SortDirection",
  description: "Ascending or descending; subjects without the figure always sort last.",
  valuesConfig: { ASC: { description: "Smallest first." }, DESC: { description: "Largest first." } },
});
