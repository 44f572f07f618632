import { GraphQLError } from "graphql";

/** A client mistake (unknown model, metric, operator, resolution, bad cursor, page too large): BAD_USER_INPUT. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code: "BAD_USER_INPUT" as const } });
    this.name = "BadUserInputError";
  }
}
