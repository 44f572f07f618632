import type { FavorDb } from "../db/client.js";
import { dataVersionReader } from "../db/queries/data-version.js";

/**
 * The database's data version (table data_version, bumped by triggers on every write to models, runs, cells,
 * devices and metrics, from any process). Caches keyed by it are exact: a changed figure changes the version.
 */
export class DataVersion {
  private readonly read: () => Promise<number>;
  private inFlight?: Promise<number>;
  private next?: Promise<number>;

  constructor(db: FavorDb) {
    this.read = dataVersionReader(db);
  }

  /**
   * Returns the current version. Concurrent callers share reads, but every caller gets a read that STARTED after
   * its call (joining the next read when one is already under way), so a write committed before the call is seen.
   */
  current(): Promise<number> {
    if (!this.inFlight) return this.start();
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<number> {
    const read = this.read();
    this.inFlight = read;
    const settle = () => {
      if (this.inFlight === read) this.inFlight = undefined;
    };
    read.then(settle, settle);
    return read;
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
