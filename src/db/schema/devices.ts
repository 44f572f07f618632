import { jsonb, pgEnum, pgTable, serial, text } from "drizzle-orm/pg-core";

import { timestamps } from "./columns.js";

export const deviceKind = pgEnum("device_kind", ["cpu", "gpu"]);

/**
 * Machines figures were obtained on: the paper's A100s exactly as the source records them, and later the
 * machines that measure (registered by the measurement workers, src/jobs/device-registry.ts).
 */
export const devices = pgTable("devices", {
  id: serial("id").primaryKey(),
  /** Unique, human readable name, e.g. "NVIDIA A100-SXM4-80GB". */
  name: text("name").notNull().unique(),
  kind: deviceKind("kind").notNull(),
  /** Free-form description: CPU model/cores or GPU name/driver, OS, runtime, where it came from. */
  description: jsonb("description").$type<Record<string, unknown>>().notNull().default({}),
  ...timestamps,
});

export type DeviceRow = typeof devices.$inferSelect;
export type NewDeviceRow = typeof devices.$inferInsert;
