import type { FavorDatabase, FavorDb } from "../db/client.js";
import { dataVersionReader } from "../db/queries/data-version.js";

/** The channel the data-version trigger notifies with each new version (drizzle/0005_data_version_notify.sql). */
export const DATA_VERSION_CHANNEL = "favor_data_version";

/** While notifications are live, the version is still read this often in the background, as a safety net. */
const RECHECK_MS = 30_000;

/**
 * The database's data version (table data_version, bumped by triggers on every write to models, runs, cells,
 * devices and metrics, from any process). Caches keyed by it are exact: a changed figure changes the version.
 *
 * Given the database's notifications, it listens on DATA_VERSION_CHANNEL and answers `current()` from memory
 * (no SQL round trip: a cache hit then costs no query); a write elsewhere is seen once its notification arrives.
 * Until the subscription is live, and whenever it is lost, every call reads the table.
 */
export class DataVersion {
  private readonly readVersion: () => Promise<number>;
  private inFlight?: Promise<number>;
  private next?: Promise<number>;
  /** The version as notifications keep it; undefined while they are not live (then every call reads). */
  private known?: number;
  /** The highest version notified since the subscription (re)started. */
  private notified = 0;
  /** Bumped on every change of the subscription's state, so a read begun in an earlier state is ignored. */
  private epoch = 0;
  private unlisten?: Promise<(() => Promise<void>) | undefined>;
  private recheck?: NodeJS.Timeout;
  /** Reads of the table since start (exposed for tests and metrics). */
  reads = 0;

  constructor(db: FavorDb, notifications?: Pick<FavorDatabase, "listen">) {
    this.readVersion = dataVersionReader(db);
    if (notifications) this.subscribe(notifications);
  }

  /**
   * Returns the current version. Concurrent callers share reads, but every caller gets a read that STARTED after
   * its call (joining the next read when one is already under way), so a write committed before the call is seen.
   */
  current(): Promise<number> {
    if (this.known !== undefined) return Promise.resolve(this.known);
    return this.read();
  }

  /**
   * Reads the version now and raises the remembered one to it: for a caller that has just seen a write commit
   * elsewhere (a finished job) and must not wait for its notification.
   */
  async refresh(): Promise<number> {
    const epoch = this.epoch;
    const version = await this.read();
    if (epoch === this.epoch && this.known !== undefined) this.known = Math.max(this.known, version);
    return this.known ?? version;
  }

  /** Whether `current()` is answered from notifications (no SQL round trip). */
  get listening(): boolean {
    return this.known !== undefined;
  }

  /** Ends the subscription (the database's close ends it too). */
  async close(): Promise<void> {
    clearInterval(this.recheck);
    this.known = undefined;
    this.epoch++;
    const unlisten = await this.unlisten?.catch(() => undefined);
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
  }

  private subscribe(notifications: Pick<FavorDatabase, "listen">): void {
    this.unlisten = notifications
      .listen(DATA_VERSION_CHANNEL, {
        payload: (text) => {
          const version = Number(text);
          if (!Number.isFinite(version)) return;
          this.notified = Math.max(this.notified, version);
          if (this.known !== undefined) this.known = Math.max(this.known, version);
        },
        state: (live) => {
          const epoch = ++this.epoch;
          this.known = undefined;
          this.notified = 0;
          if (!live) return;
          // Listening before reading: a write after the read is notified, one before it is in the read.
          this.read().then(
            (version) => {
              if (epoch === this.epoch) this.known = Math.max(version, this.notified);
            },
            () => undefined,
          );
        },
      })
      .catch(() => undefined);
    this.recheck = setInterval(() => {
      if (this.known === undefined) return;
      const epoch = this.epoch;
      this.read().then(
        (version) => {
          if (epoch === this.epoch && this.known !== undefined) this.known = Math.max(this.known, version);
        },
        () => undefined,
      );
    }, RECHECK_MS);
    this.recheck.unref();
  }

  private read(): Promise<number> {
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
    this.reads++;
    const read = this.readVersion();
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
 * returned only while that version is current. Bounded by entries and by a total weight (e.g. the subjects a page
 * holds), so many distinct requests cannot grow the process: the least recently used go first. Returns values
 * shared between callers: treat them as read-only.
 */
export class VersionedCache<V> {
  private readonly entries = new Map<string, { version: number; value: Promise<V>; weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries = 500,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
    private readonly weightOf: (value: V) => number = () => 1,
  ) {}

  /** Returns the cached value for `key` at `version`, or computes, stores and returns it. */
  get(key: string, version: number, compute: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.version === version) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, hit);
      return hit.value;
    }
    this.remove(key);
    const value = compute();
    const entry = { version, value, weight: 0 };
    this.entries.set(key, entry);
    value.then(
      (v) => {
        if (this.entries.get(key) !== entry) return;
        entry.weight = this.weightOf(v);
        this.weight += entry.weight;
        this.evict();
      },
      () => this.entries.get(key) === entry && this.remove(key),
    );
    this.evict();
    return value;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  /** Number of entries and their total weight (for tests). */
  get usage(): { entries: number; weight: number } {
    return { entries: this.entries.size, weight: this.weight };
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || (this.weight > this.maxWeight && this.entries.size > 1))
      this.remove(this.entries.keys().next().value!);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.weight -= entry.weight;
    this.entries.delete(key);
  }
}
