import { timestamp } from "drizzle-orm/pg-core";

/** Creation time column shared by tables whose rows are written over time. */
export const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
};
