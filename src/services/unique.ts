import { BadUserInputError } from "../errors/index.js";

/**
 * Returns the values once each, in order; throws BAD_USER_INPUT naming a value given twice (`what` names the
 * argument: "metric", "cost metric" → extension key `costMetric`). Every list argument of the API is checked by it.
 */
export function unique(values: readonly string[], what: string): string[] {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v))
      throw new BadUserInputError(`The ${what} "${v}" is given twice`, {
        [what.replace(/ (\w)/g, (_, c: string) => c.toUpperCase())]: v,
      });
    seen.add(v);
  }
  return [...seen];
}
