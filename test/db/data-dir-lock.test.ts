import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { DataDirLockedError, lockDataDir } from "../../src/db/data-dir-lock.js";

describe("lockDataDir", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "favor-lock-"));
    dirs.push(dir);
    return join(dir, "pglite");
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("creates the directory and a lock file holding this pid, removed on release", () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8")).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release(); // idempotent
  });

  it("refuses a second holder while the first is alive, naming the directory and pid", () => {
    const dir = freshDir();
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(dir)).toThrow(new RegExp(`${dir}.*process ${process.pid}`));
    lock.release();
    lockDataDir(dir).release();
  });

  it("refuses a lock held by another live process", () => {
    const dir = freshDir();
    lockDataDir(dir).release();
    writeFileSync(join(dir, "favor.lock"), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
  });

  it("takes over a lock left by a process that has exited", () => {
    const dir = freshDir();
    const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    lockDataDir(dir).release();
    writeFileSync(join(dir, "favor.lock"), child.stdout);
    const lock = lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8")).toBe(String(process.pid));
    lock.release();
  });
});
