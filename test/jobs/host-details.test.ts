import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import {
  MeasurementWorker,
  removeStaleScratch,
  WORKER_SCRATCH_PREFIX,
} from "../../src/jobs/measurement-worker.js";
import { withoutHostPaths } from "../../src/services/measurement.service.js";

describe("host details", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("removes the scratch folders of dead workers and keeps those of live ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "favor-scratch-test-"));
    dirs.push(dir);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    }).stdout;
    const stale = join(dir, `${WORKER_SCRATCH_PREFIX}${dead}-abc123`);
    const live = join(dir, `${WORKER_SCRATCH_PREFIX}${process.pid}-def456`);
    const other = join(dir, "someone-elses-folder");
    for (const d of [stale, live, other]) mkdirSync(join(d, "inner"), { recursive: true });
    expect(await removeStaleScratch(dir)).toEqual([`${WORKER_SCRATCH_PREFIX}${dead}-abc123`]);
    expect([existsSync(stale), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
  });

  it("names workers without the host or the process, and reports provider reasons without host paths", () => {
    const worker = new MeasurementWorker({ db: {} as never });
    expect(worker.workerId).toMatch(/^worker-[0-9a-f]{12}$/);
    expect(worker.workerId).not.toContain(String(process.pid));
    expect(
      withoutHostPaths(
        "CUDA provider not loadable: /work/main/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so: cannot open",
      ),
    ).toBe("CUDA provider not loadable: …/libonnxruntime_providers_cuda.so: cannot open");
    expect(withoutHostPaths(null)).toBeNull();
  });
});
