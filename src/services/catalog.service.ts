import type { FavorDb } from "../db/client.js";
import {
  deviceRows,
  metricRows,
  modelRows,
  pretrainResolutions,
  resolutions,
} from "../db/queries/catalog.js";
import type { DeviceRow, MetricRow, ModelRow } from "../db/schema/index.js";
import { BadUserInputError } from "../errors/index.js";
import type { DataVersion } from "./data-version.js";
import { didYouMean, looseMatches, suggestNames } from "./name-match.js";

/** Values a filter may name, read from the database (cached briefly: measurements can add resolutions). */
export interface Vocabulary {
  models: ModelRow[];
  families: string[];
  taxonomyClasses: string[];
  changesWhat: string[];
  resolutions: number[];
  pretrainResolutions: number[];
}

const VOCABULARY_TTL_MS = 10_000;

/**
 * The catalogue use cases: metrics, devices, models and the values filters may name, with the lookups that turn a
 * client's key or name into a row or a BAD_USER_INPUT error naming it. Rows change rarely, so they are cached and
 * dropped when the data version moves (`sync`), or by `invalidate()`; the vocabulary also expires after 10 s.
 */
export class CatalogService {
  private metricsCache?: Promise<MetricRow[]>;
  /** The list `metricsCache` resolved to (current only while `from` is still `metricsCache`). */
  private loadedMetrics?: { from: Promise<MetricRow[]>; list: MetricRow[] };
  private devicesCache?: Promise<DeviceRow[]>;
  private vocabularyCache?: { at: number; value: Promise<Vocabulary> };
  private seenVersion?: number;
  private readonly metricMaps = new WeakMap<MetricRow[], Map<string, MetricRow>>();

  constructor(
    private readonly db: FavorDb,
    private readonly version: DataVersion,
  ) {}

  /** Drops every cache so the next call reads the database. */
  invalidate(): void {
    this.metricsCache = undefined;
    this.devicesCache = undefined;
    this.vocabularyCache = undefined;
  }

  /**
   * Drops the caches when the data version moved (another process wrote models, devices, metrics or figures).
   * With a version, synchronous; without, reads it first. Entry points call it once per request.
   */
  sync(version: number): void;
  sync(): Promise<void>;
  sync(version?: number): void | Promise<void> {
    const apply = (v: number) => {
      if (v !== this.seenVersion) {
        this.invalidate();
        this.seenVersion = v;
      }
    };
    if (version !== undefined) return apply(version);
    return this.version.current().then(apply);
  }

  /** Returns the metric catalogue ordered by stage, then key. */
  listMetrics(): Promise<MetricRow[]> {
    if (!this.metricsCache) {
      const loading: Promise<MetricRow[]> = metricRows(this.db).then(
        (list) => {
          this.loadedMetrics = { from: loading, list };
          return list;
        },
        (e) => {
          if (this.metricsCache === loading) this.metricsCache = undefined;
          throw e;
        },
      );
      this.metricsCache = loading;
    }
    return this.metricsCache;
  }

  /** Returns the catalogue by key, in catalogue order. */
  async metricMap(): Promise<Map<string, MetricRow>> {
    return this.mapOf(await this.listMetrics());
  }

  /**
   * Returns the catalogue by key when it is loaded and current, else undefined (then call `metricMap`): lets a
   * per-row caller answer without a promise per row.
   */
  loadedMetricMap(): Map<string, MetricRow> | undefined {
    return this.loadedMetrics && this.loadedMetrics.from === this.metricsCache
      ? this.mapOf(this.loadedMetrics.list)
      : undefined;
  }

  private mapOf(list: MetricRow[]): Map<string, MetricRow> {
    let map = this.metricMaps.get(list);
    if (!map) {
      map = new Map(list.map((m) => [m.key, m]));
      this.metricMaps.set(list, map);
    }
    return map;
  }

  /** Returns the metric with `key`; throws BAD_USER_INPUT naming an unknown key. */
  async metric(key: string): Promise<MetricRow> {
    const all = await this.listMetrics();
    const found = all.find((m) => m.key === key);
    if (!found) {
      const suggestions = suggestNames(
        key,
        all.map((m) => m.key),
      );
      throw new BadUserInputError(
        `Unknown metric "${key}".${didYouMean(suggestions)} Known metrics: ${all.map((m) => m.key).join(", ")}`,
        { metric: key, suggestions },
      );
    }
    return found;
  }

  /** Returns all devices ordered by id. */
  listDevices(): Promise<DeviceRow[]> {
    this.devicesCache ??= deviceRows(this.db).catch((e) => {
      this.devicesCache = undefined;
      throw e;
    });
    return this.devicesCache;
  }

  /** Returns the device with this numeric id or exact name, or null. Re-reads once on a miss (new workers). */
  async findDevice(idOrName: string | number): Promise<DeviceRow | null> {
    const match = (rows: DeviceRow[]) =>
      rows.find((d) => String(d.id) === String(idOrName) || d.name === idOrName);
    const cached = match(await this.listDevices());
    if (cached) return cached;
    this.devicesCache = undefined;
    return match(await this.listDevices()) ?? null;
  }

  /** Returns the device for a client's `device` argument; throws BAD_USER_INPUT naming an unknown one. */
  async device(idOrName: string | number): Promise<DeviceRow> {
    const found = await this.findDevice(idOrName);
    if (!found) {
      const known = (await this.listDevices()).map((d) => `${d.id} (${d.name})`).join(", ");
      throw new BadUserInputError(`Unknown device "${idOrName}". Known devices: ${known}`, {
        device: String(idOrName),
      });
    }
    return found;
  }

  /** Returns the filterable vocabulary (models, families, classes, resolutions), cached for 10 s. */
  vocabulary(): Promise<Vocabulary> {
    const now = Date.now();
    if (!this.vocabularyCache || now - this.vocabularyCache.at > VOCABULARY_TTL_MS) {
      const value = this.loadVocabulary();
      value.catch(() => (this.vocabularyCache = undefined));
      this.vocabularyCache = { at: now, value };
    }
    return this.vocabularyCache.value;
  }

  /**
   * Returns the model named `nameOrSourceId`: its display name or benchmark id, exactly or in any case and
   * punctuation that names one model only (`vit-ti/16`); throws BAD_USER_INPUT for an unknown or ambiguous name,
   * with the closest names ("did you mean …", also in `extensions.suggestions`).
   */
  async model(nameOrSourceId: string): Promise<ModelRow> {
    const { models: all } = await this.vocabulary();
    const found = all.find((m) => m.name === nameOrSourceId || m.sourceId === nameOrSourceId);
    if (found) return found;
    const loose = looseMatches(nameOrSourceId, all, (m) => [m.name, m.sourceId]);
    if (loose.length === 1) return loose[0];
    const suggestions =
      loose.length > 1
        ? loose.map((m) => m.name)
        : suggestNames(
            nameOrSourceId,
            all.map((m) => m.name),
          );
    const problem =
      loose.length > 1 ? `Ambiguous model "${nameOrSourceId}"` : `Unknown model "${nameOrSourceId}"`;
    throw new BadUserInputError(
      `${problem}.${didYouMean(suggestions)} Give a display name (e.g. "ViT-S/16") or a benchmark id (e.g. "deit_small_patch16_LS")`,
      { model: nameOrSourceId, suggestions },
    );
  }

  private async loadVocabulary(): Promise<Vocabulary> {
    const all = await modelRows(this.db);
    const distinct = (values: string[]) => [...new Set(values)].sort();
    return {
      models: all,
      families: distinct(all.map((m) => m.family)),
      taxonomyClasses: distinct(all.map((m) => m.taxonomyClass)),
      changesWhat: distinct(all.map((m) => m.changesWhat)),
      resolutions: await resolutions(this.db),
      pretrainResolutions: await pretrainResolutions(this.db),
    };
  }
}
