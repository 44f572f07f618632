import { describe, expect, it } from "vitest";

import { DEFAULT_DATA_DIR, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("Handles an empty environment with the documented defaults", () => {
    expect(loadConfig({})).toEqual({
      port: 4000,
      databaseUrl: undefined,
      dataDir: DEFAULT_DATA_DIR,
      production: false,
      tokens: [],
      worker: true,
      responseCache: true,
    });
  });

  it("Handles every variable", () => {
    expect(
      loadConfig({
        PORT: "0",
        DATABASE_URL: "postgres://x/y",
        FAVOR_DATA_DIR: "/tmp/d",
        NODE_ENV: "production",
        FAVOR_TOKENS: " a, b ,,",
        FAVOR_WORKER: "0",
        FAVOR_RESPONSE_CACHE: "0",
      }),
    ).toEqual({
      port: 0,
      databaseUrl: "postgres://x/y",
      dataDir: "/tmp/d",
      production: true,
      tokens: ["a", "b"],
      worker: false,
      responseCache: false,
    });
  });

  it("Refuses malformed values, naming the variable", () => {
    expect(() => loadConfig({ PORT: "80a" })).toThrow(/PORT must be an integer 0-65535, got "80a"/);
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadConfig({ FAVOR_WORKER: "yes" })).toThrow(/FAVOR_WORKER must be 0 or 1, got "yes"/);
    expect(() => loadConfig({ FAVOR_RESPONSE_CACHE: "2" })).toThrow(/FAVOR_RESPONSE_CACHE must be 0 or 1/);
  });
});
