import type { FavorDb } from "../db/client.js";
import { upsertMeasuringDevice } from "../db/queries/devices.js";
import type { DeviceRow } from "../db/schema/index.js";
import type { DeviceDescription } from "../measure/device/device-description.js";
import { describeProviderDevice } from "../measure/device/device-description.js";
import type { Provider, RequestedProvider } from "../measure/profiler/provider.js";
import { chooseProvider } from "../measure/profiler/provider.js";

/** The stable id of a measuring device, as stored in `devices.description.id` (the paper's devices have none). */
export function stableIdOf(device: Pick<DeviceRow, "description">): string | null {
  const id = device.description?.id;
  return typeof id === "string" && /^(cpu|gpu)-[0-9a-f]{16}$/.test(id) ? id : null;
}

/**
 * Registers a measuring device and returns its row: the row whose description has the same stable id (its
 * description refreshed: versions and driver may change), or a new one named after the device (with the stable
 * id appended when another device already has that name, so figures of different machines never mix).
 */
export function registerDevice(db: FavorDb, description: DeviceDescription): Promise<DeviceRow> {
  return upsertMeasuringDevice(db, {
    id: description.id,
    name: description.name,
    kind: description.kind,
    description: { ...description },
  });
}

/** A device of this machine that a provider runs on. */
export interface LocalDevice {
  readonly provider: Provider;
  readonly description: DeviceDescription;
  /** Why `auto` chose the provider; null for an explicit one. */
  readonly reason: string | null;
}

/**
 * Returns this machine's device for a requested provider: the CPU for `cpu`; GPU `gpuIndex` for `cuda`; the WebGPU
 * adapter `gpuIndex` for `webgpu` (a device of its own, distinct from the same GPU under CUDA); for `auto` what
 * {@link chooseProvider} picks.
 *
 * @throws ProviderUnavailableError when `cuda` or `webgpu` is asked for and cannot run here.
 */
export function localDevice(requested: RequestedProvider, gpuIndex = 0): LocalDevice {
  const choice = chooseProvider(requested);
  return {
    provider: choice.provider,
    description: describeLocal(choice.provider, gpuIndex),
    reason: choice.reason,
  };
}

/** Returns the description of this machine's device for a provider that runs (see {@link localDevice}). */
export function describeLocal(provider: Provider, gpuIndex = 0): DeviceDescription {
  return describeProviderDevice(provider, gpuIndex);
}

/** Returns the provider that measures on a registered device (a WebGPU device → webgpu, other gpu → cuda, cpu → cpu). */
export function providerOfDevice(
  device: Pick<DeviceRow, "kind"> & Partial<Pick<DeviceRow, "description">>,
): Provider {
  if (device.kind !== "gpu") return "cpu";
  return device.description?.provider === "webgpu" ? "webgpu" : "cuda";
}
