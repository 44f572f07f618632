import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type FavorDatabase, openDatabase } from "../../src/db/client.js";
import { cancelJob, enqueueJob, getJob } from "../../src/db/queries/jobs.js";
import { providerOfDevice, registerDevice } from "../../src/jobs/device-registry.js";
import { MeasurementWorker } from "../../src/jobs/measurement-worker.js";
import { describeDevice } from "../../src/measure/device/device-description.js";
import { ProviderUnavailableError } from "../../src/measure/profiler/provider.js";
import { webgpuAvailability } from "../../src/measure/profiler/webgpu-probe.js";
import { testMeasureRequest } from "../helpers/measure-request.js";
import { BACKENDS, createScratchDatabase, type ScratchDatabase } from "../helpers/test-database.js";

describe.each(BACKENDS)("the providers a worker serves (%s)", (backend) => {
  let scratch: ScratchDatabase;
  let database: FavorDatabase;

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    database = await openDatabase({
      databaseUrl: scratch.databaseUrl,
      dataDir: scratch.dataDir,
      poolSize: 2,
    });
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  const devicesOf = async (ids: number[]) =>
    (await database.db.query.devices.findMany()).filter((d) => ids.includes(d.id));

  it("serves only what FAVOR_WORKER_PROVIDERS names: cpu alone registers the CPU alone", async () => {
    const ids = await new MeasurementWorker({ db: database.db, providers: ["cpu"] }).register();
    const rows = await devicesOf(ids);
    expect(rows.map((r) => r.kind)).toEqual(["cpu"]);
    expect(rows.map(providerOfDevice)).toEqual(["cpu"]);
    // The same machine registers as the same device.
    expect(await new MeasurementWorker({ db: database.db, providers: ["cpu"] }).register()).toEqual(ids);
  });

  it("refuses to start serving a named provider that cannot run here, saying what is missing", async () => {
    const webgpu = webgpuAvailability();
    if (webgpu.problem === null) return; // A GPU host.
    const worker = new MeasurementWorker({ db: database.db, providers: ["cpu", "webgpu"] });
    const error = await worker.register().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).missing).toBe(webgpu.missing);
    expect((error as Error).message).toMatch(
      /this worker is to serve webgpu, which cannot run here: .*(libvulkan\.so\.1|adapter)/,
    );
    // Without FAVOR_WORKER_PROVIDERS it serves what runs here and leaves WebGPU out.
    const ids = await new MeasurementWorker({ db: database.db, cuda: false }).register();
    expect((await devicesOf(ids)).map((r) => r.kind)).toEqual(["cpu"]);
  }, 60_000);

  it("registers a WebGPU adapter as a GPU device of its own, measured with webgpu", async () => {
    const description = describeDevice("gpu", 0, "webgpu");
    expect(description).toMatchObject({ kind: "gpu", provider: "webgpu" });
    expect(description.name).toMatch(/ \(WebGPU\)$/);
    expect(description.webgpu?.backend).toBe(process.platform === "linux" ? "vulkan" : "dawn-default");
    // File names only: no host paths in what clients read.
    for (const f of [description.webgpu?.vulkanLoader ?? "", ...(description.webgpu?.driverFiles ?? [])])
      expect(f).not.toContain("/");
    const row = await registerDevice(database.db, description);
    expect(row.kind).toBe("gpu");
    expect(providerOfDevice(row)).toBe("webgpu");
    expect((await registerDevice(database.db, description)).id).toBe(row.id);
    // The jobs table takes webgpu jobs (migration 0004 widened its provider check), and nothing else new.
    const model = (await database.db.query.models.findFirst())!;
    const job = await enqueueJob(database.db, {
      request: testMeasureRequest(row.id, { provider: "webgpu", providerUsed: "webgpu" }),
      deviceId: row.id,
      provider: "webgpu",
      cells: [{ modelId: model.id, resolution: 224, metricKey: "throughput" }],
      maxActiveJobs: 10,
    });
    expect((await getJob(database.db, job))?.provider).toBe("webgpu");
    await expect(
      enqueueJob(database.db, {
        request: testMeasureRequest(row.id),
        deviceId: row.id,
        provider: "tpu" as "cpu",
        cells: [{ modelId: model.id, resolution: 224, metricKey: "throughput" }],
        maxActiveJobs: 10,
      }),
    ).rejects.toThrow();
    await cancelJob(database.db, job);
  });
});
