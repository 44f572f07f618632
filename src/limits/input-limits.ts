/**
 * Bounds on every argument of an operation, checked once before execution so that no oversized list or
 * malformed string reaches a service or PostgreSQL: lists have a largest length, strings a largest length and
 * no NUL character or lone UTF-16 surrogate. A violation is BAD_USER_INPUT naming the argument's path.
 */
import {
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from "graphql";

import { BadUserInputError } from "../errors/index.js";

/** Longest list per argument name (the last part of its path); others get DEFAULT_MAX_LIST. */
export const MAX_LIST_LENGTHS: Readonly<Record<string, number>> = {
  orderBy: 10,
  objectives: 10,
  where: 50,
  metrics: 50,
  keys: 50,
  resolutions: 64,
  pretrainResolutions: 64,
  values: 1_000,
};
export const DEFAULT_MAX_LIST = 256;
/** Longest list anywhere in a variable's raw value: the largest bound of a typed argument (values). */
const MAX_RAW_LIST = Math.max(DEFAULT_MAX_LIST, ...Object.values(MAX_LIST_LENGTHS));
/** Longest string argument, in UTF-16 code units. */
export const MAX_STRING_LENGTH = 4_096;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Returns the reason `text` may not be used as input (NUL, lone surrogate, too long), or null. Shared by the
 * GraphQL arguments and the web routes' query parameters.
 */
export function badStringReason(text: string): string | null {
  if (text.length > MAX_STRING_LENGTH)
    return `is ${text.length} characters long; at most ${MAX_STRING_LENGTH} are allowed`;
  if (text.includes("\u0000")) return "contains a NUL character";
  if (LONE_SURROGATE.test(text)) return "is not valid UTF-16 (a lone surrogate)";
  return null;
}

/**
 * Throws BAD_USER_INPUT for the first argument of `document` that breaks a bound. Nothing is coerced: the raw
 * variable values sit in the argument values where the variables are used (graphql's getArgumentValues takes
 * variable values as they are), so a list of 100,000 entries is refused after reading its length, not after
 * coercing each entry (which took 40 to 200 ms of one event loop, issue 10).
 */
export function checkInputLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  rawVariables: Record<string, unknown> | undefined,
): void {
  const raw = rawVariables ?? {};
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        if (!field || field.args.length === 0) return;
        let values: Record<string, unknown>;
        try {
          values = getArgumentValues(field, node, raw);
        } catch {
          return; // execution reports arguments that do not coerce
        }
        for (const arg of field.args) checkValue(values[arg.name], arg.type, arg.name);
      },
    }),
  );
  // Then every variable as free-form JSON: also those only a fragment uses, and those that will not coerce.
  checkRaw(raw, "$");
}

function checkValue(value: unknown, type: GraphQLInputType, path: string): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) {
      checkValue(value, nullable.ofType, path);
      return;
    }
    const name =
      path
        .split(".")
        .at(-1)
        ?.replace(/\[\d+\]$/, "") ?? path;
    const max = MAX_LIST_LENGTHS[name] ?? DEFAULT_MAX_LIST;
    if (value.length > max) {
      throw new BadUserInputError(
        `Argument "${path}" has ${value.length} entries; at most ${max} are allowed`,
        {
          argument: path,
          maxLength: max,
        },
      );
    }
    for (const [i, item] of value.entries()) checkValue(item, nullable.ofType, `${path}[${i}]`);
    return;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== "object") return;
    const fields = nullable.getFields();
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[key];
      if (field) checkValue(item, field.type, `${path}.${key}`);
    }
    return;
  }
  if (typeof value === "string") checkString(value, path);
  else if (getNamedType(nullable).name === "JSONObject") checkRaw(value, path);
}

function checkString(text: string, path: string): void {
  const reason = badStringReason(text);
  if (reason) throw new BadUserInputError(`Argument "${path}" ${reason}`, { argument: path });
}

/** Checks free-form values (JSON scalars, variables that did not coerce): strings and list lengths only. */
function checkRaw(value: unknown, path: string): void {
  if (typeof value === "string") {
    checkString(value, path);
    return;
  }
  if (Array.isArray(value)) {
    // A sanity bound only: typed arguments get their own, named bounds in checkValue.
    if (value.length > MAX_RAW_LIST) {
      throw new BadUserInputError(
        `"${path}" has ${value.length} entries; at most ${MAX_RAW_LIST} are allowed`,
        { argument: path },
      );
    }
    for (const [i, item] of value.entries()) checkRaw(item, `${path}[${i}]`);
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      checkString(key, `${path}.${key}`);
      checkRaw(item, `${path}.${key}`);
    }
  }
}
