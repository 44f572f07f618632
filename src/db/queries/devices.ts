import { sql } from "drizzle-orm";

import type { FavorDb } from "../client.js";
import { type DeviceRow, devices } from "../schema/index.js";

/** A measuring device as a worker describes it: its stable id, display name, kind and full description. */
export interface MeasuringDevice {
  readonly id: string;
  readonly name: string;
  readonly kind: "cpu" | "gpu";
  readonly description: Record<string, unknown>;
}

/**
 * Stores a measuring device and returns its row: the row whose description has the same stable id (its
 * description refreshed), or a new one named after the device (with the stable id appended when another device
 * already has that name, so figures of different machines never mix).
 */
export async function upsertMeasuringDevice(db: FavorDb, device: MeasuringDevice): Promise<DeviceRow> {
  const [updated] = await db
    .update(devices)
    .set({ description: device.description })
    .where(sql`${devices.description}->>'id' = ${device.id}`)
    .returning();
  if (updated) return updated;
  const [inserted] = await db
    .insert(devices)
    .values({
      name: sql`CASE WHEN EXISTS (SELECT 1 FROM devices WHERE name = ${device.name})
                THEN ${`${device.name} [${device.id}]`} ELSE ${device.name} END`,
      kind: device.kind,
      description: device.description,
    })
    .onConflictDoUpdate({ target: devices.name, set: { description: sql`excluded.description` } })
    .returning();
  return inserted;
}
