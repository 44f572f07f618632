import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql realm: type-graphql loads the CJS build, so the tests must too.
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["reflect-metadata"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Servers and workers log one JSON line per request and job: off in tests unless LOG_LEVEL asks
    // (tests that check the logs give the server a logger of their own).
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" },
  },
});
