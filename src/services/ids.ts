import { BadUserInputError } from "../errors/index.js";

/**
 * Reads an `ID` argument that names a database row: the GraphQL `ID` scalar hands over a string whether the client
 * wrote `5` or `"5"`, so both forms of every id are accepted; anything but a positive integer is BAD_USER_INPUT
 * naming the argument.
 */
export function parseId(value: string | number, argument: string): number {
  const id = typeof value === "number" ? value : /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 1)
    throw new BadUserInputError(
      `${argument} must be a positive integer id, got "${String(value).slice(0, 40)}"`,
      {
        argument,
      },
    );
  return id;
}
