/**
 * Writes schema.graphql from the resolvers (commit the result; test/api/schema.test.ts guards against breaking it).
 *
 *   npx tsx src/resolvers/emit-schema.ts
 */
import "reflect-metadata";

import { buildFavorSchema, SCHEMA_FILE } from "./build-schema.js";

await buildFavorSchema({ emit: true });
console.log(`wrote ${SCHEMA_FILE.pathname}`);
