/**
 * Writes schema.graphql from the resolvers (commit the result; test/api/schema.test.ts guards against breaking it).
 *
 *   npx tsx src/resolvers/emit-schema.ts
 */
import "reflect-metadata";

import { emitSchemaFile } from "./build-schema.js";

console.log(`wrote ${await emitSchemaFile()}`);
