import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";

import { resolverContainer } from "./container.js";
import { resolvers } from "./index.js";

/** Path of the committed SDL, relative to the repository root. */
export const SCHEMA_FILE = new URL("../../schema.graphql", import.meta.url);

/** Returns Favor's executable GraphQL schema built from the resolver list (and writes schema.graphql when `emit`). */
export function buildFavorSchema(options: { emit?: boolean } = {}): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    container: resolverContainer(),
    emitSchemaFile: options.emit ? { path: SCHEMA_FILE.pathname, sortedSchema: true } : false,
    validate: false,
  });
}
