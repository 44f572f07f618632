import type { GraphQLSchema } from "graphql";
import { parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";

import { checkInputLimits, MAX_LIST_LENGTHS } from "../../src/limits/input-limits.js";
import { buildFavorSchema } from "../../src/resolvers/build-schema.js";

const METRIC_IN =
  'query ($v: [Float!]) { runs(filter: { metrics: [{ metric: "params", op: IN, values: $v }] }) { totalCount } }';

describe("checkInputLimits", () => {
  let schema: GraphQLSchema;
  beforeAll(async () => (schema = await buildFavorSchema()));

  const refusal = (query: string, variables?: Record<string, unknown>) => {
    try {
      checkInputLimits(schema, parse(query), variables);
    } catch (error) {
      return error as { message: string; extensions: Record<string, unknown> };
    }
    return null;
  };

  it("names the argument of a variable nested in an input literal, with its bound", () => {
    const error = refusal(METRIC_IN, { v: Array.from({ length: 1001 }, (_, i) => i) });
    expect(error?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "filter.metrics[0].values",
      maxLength: MAX_LIST_LENGTHS.values,
    });
    expect(refusal(METRIC_IN, { v: Array.from({ length: 1000 }, (_, i) => i) })).toBeNull();
  });

  it("refuses oversized variables by their length, without coercing them first", () => {
    // Coercing 20,000 input objects (or 100,000 floats) took 40–200 ms of the one event loop; reading a length does not.
    const orderBy = { o: Array.from({ length: 20_000 }, () => ({ field: "NAME" })) };
    const values = { v: Array.from({ length: 100_000 }, (_, i) => i) };
    refusal("query ($o: [OrderByInput!]) { runs(orderBy: $o) { totalCount } }", orderBy); // warm-up
    const started = performance.now();
    const byOrder = refusal("query ($o: [OrderByInput!]) { runs(orderBy: $o) { totalCount } }", orderBy);
    const byValues = refusal(METRIC_IN, values);
    const unused = refusal("query ($v: [Float!]) { __typename }", values);
    expect(performance.now() - started).toBeLessThan(25);
    expect(byOrder?.message).toBe('Argument "orderBy" has 20000 entries; at most 10 are allowed');
    expect(byValues?.extensions.argument).toBe("filter.metrics[0].values");
    expect(unused?.message).toMatch(/^"\$\.v" has 100000 entries/);
  });

  it("checks strings in variables that do not coerce to their argument's type", () => {
    expect(refusal("query ($n: Int) { runs(first: $n) { totalCount } }", { n: "5\u0000" })?.message).toBe(
      'Argument "first" contains a NUL character',
    );
  });
});
