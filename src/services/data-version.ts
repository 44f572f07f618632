import { sql } from "drizzle-orm";

import { queryRows, type FavorDb } from "../db/client.js";

/**
 * The database's data version (table data_version, bumped by triggers on every write to models, runs, cells,
 * devices and metrics, from any process). Caches keyed by it are exact: a changed figure changes the version.
 */
export class DataVersion {
  constructor(private readonly db: FavorDb) {}

  /** Returns the current version (one indexed single-row read). */
  async current(): Promise<number> {
    const [row] = await queryRows<{ version: number | string }>(this.db, sql`SELECT version FROM data_version WHERE id = 1`);
    return Number(row?.version ?? 0);
  }
}

/**
 * A small LRU cache of values computed from the database, each stored with the data version it was computed at and
 * returned only while that version is current. Returns values shared between callers: treat them as read-only.
 */
export class VersionedCache<V> {
  private readonly entries = new Map<string, { version: number; value: Promise<V> }>();

  constructor(private readonly maxEntries = 500) {}

  /** Returns the cached value for `key` at `version`, or computes, stores and returns it. */
  get(key: string, version: number, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = compute();
    this.entries.set(key, { version, value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }
}
