import { defineConfig } from "drizzle-kit";

/** drizzle-kit reads the schema barrel and writes SQL migrations into drizzle/ (committed; applied at start). */
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
});
