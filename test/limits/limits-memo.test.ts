import { parse } from "graphql";
import { describe, expect, it } from "vitest";

import { LimitsMemo } from "../../src/limits/limits-memo.js";

describe("LimitsMemo", () => {
  it("remembers a passed operation's cost for number and boolean variables, apart per set of names given", () => {
    const memo = new LimitsMemo();
    const document = parse(
      'query Q($min: Float!) { runs(first: 100, filter: { metrics: [{ metric: "params", op: GTE, value: $min }] }) { totalCount } }',
    );
    expect(memo.get(document, "Q", { min: 1 })).toBeUndefined();
    memo.set(document, "Q", { min: 1 }, 101);
    expect(memo.get(document, "Q", { min: 2.5 })).toBe(101);
    expect(memo.get(document, "Q", { min: null })).toBeUndefined();
    expect(memo.get(document, "Q", {})).toBeUndefined();
    expect(memo.get(document, "Q", { min: 1, extra: true })).toBeUndefined();
    expect(memo.get(document, "Other", { min: 1 })).toBeUndefined();
    // An operation that passed without its variable (the input checks then skip the field) says nothing of one
    // that gives it.
    const without = parse(
      'query ($v: Float) { runs(first: 5, filter: { metrics: [{ metric: "params", op: GTE, value: $v }] }) { totalCount } }',
    );
    memo.set(without, undefined, {}, 6);
    expect(memo.get(without, undefined, { v: 3 })).toBeUndefined();
    expect(memo.get(parse("{ runs { totalCount } }"), undefined, undefined)).toBeUndefined();
  });

  it("checks again for string, list and object variables (the input limits bound them)", () => {
    const memo = new LimitsMemo();
    const document = parse(
      "query ($k: [String!]) { metrics { key } runs(first: 2) { edges { node { metrics(keys: $k) { key } } } } }",
    );
    memo.set(document, undefined, { k: ["params"] }, 30);
    expect(memo.get(document, undefined, { k: ["params"] })).toBeUndefined();
    memo.set(document, undefined, {}, 30);
    expect(memo.get(document, undefined, { k: "x" })).toBeUndefined();
    expect(memo.get(document, undefined, { k: { a: 1 } })).toBeUndefined();
    expect(memo.get(document, undefined, {})).toBe(30);
  });

  it("never remembers where the cost reads a variable (first, directives) or is not finite", () => {
    const memo = new LimitsMemo();
    const first = parse("query ($n: Int) { runs(first: $n) { totalCount } }");
    memo.set(first, undefined, { n: 1 }, 2);
    expect(memo.get(first, undefined, { n: 200 })).toBeUndefined();
    const directive = parse(
      "query ($all: Boolean!) { runs(first: 5) { totalCount edges @include(if: $all) { cursor } } }",
    );
    memo.set(directive, undefined, { all: false }, 2);
    expect(memo.get(directive, undefined, { all: true })).toBeUndefined();
    const plain = parse("{ runs(first: 5) { totalCount } }");
    memo.set(plain, undefined, undefined, Number.POSITIVE_INFINITY);
    expect(memo.get(plain, undefined, undefined)).toBeUndefined();
  });
});
