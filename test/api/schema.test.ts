import { readFileSync } from "node:fs";

import {
  buildSchema,
  findBreakingChanges,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isObjectType,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";

import { buildFavorSchema, printFavorSchema, SCHEMA_FILE } from "../../src/resolvers/build-schema.js";

describe("schema.graphql", () => {
  let built: GraphQLSchema;
  let committed: GraphQLSchema;
  beforeAll(async () => {
    built = await buildFavorSchema();
    committed = buildSchema(readFileSync(SCHEMA_FILE, "utf8"));
  });

  it("has no breaking changes against the committed schema (run `npx tsx src/resolvers/emit-schema.ts` after additions)", () => {
    expect(findBreakingChanges(committed, built)).toEqual([]);
  });

  it("is up to date with the built schema", () => {
    expect(printFavorSchema(built)).toBe(readFileSync(SCHEMA_FILE, "utf8"));
  });

  it("describes every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(built.getTypeMap())) {
      if (
        isIntrospectionType(type) ||
        type.name.startsWith("__") ||
        ["String", "Int", "Float", "Boolean", "ID"].includes(type.name)
      )
        continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isEnumType(type))
        for (const value of type.getValues())
          if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});
