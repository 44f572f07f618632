import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { DataDirLockedError, lockDataDir } from "../../src/db/data-dir-lock.js";

/** The pid of a process that has exited. */
function deadPid(): string {
  return spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  }).stdout;
}

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

  it("creates the directory and a lock file holding this pid, removed on release", async () => {
    const dir = freshDir();
    const lock = await lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8")).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    lock.release(); // idempotent
  });

  it("refuses a second holder while the first is alive, naming the directory and pid", async () => {
    const dir = freshDir();
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirLockedError);
    await expect(lockDataDir(dir)).rejects.toThrow(new RegExp(`${dir}.*process ${process.pid}`));
    lock.release();
    (await lockDataDir(dir)).release();
  });

  it("refuses a lock file naming another live process", async () => {
    const dir = freshDir();
    (await lockDataDir(dir)).release();
    writeFileSync(join(dir, "favor.lock"), String(process.ppid));
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirLockedError);
  });

  it("takes over a lock left by a process that has exited", async () => {
    const dir = freshDir();
    (await lockDataDir(dir)).release();
    writeFileSync(join(dir, "favor.lock"), deadPid());
    const lock = await lockDataDir(dir);
    expect(readFileSync(lock.path, "utf8")).toBe(String(process.pid));
    lock.release();
  });

  it("gives a stale lock to exactly one of several processes taking it over at the same moment", async () => {
    // Each child says "ready", takes the lock when told "go" (all children of all rounds at once), reports, and
    // holds what it got until its stdin ends: a barrier, so a busy machine cannot serialise the contenders.
    const script = `
      import { lockDataDir } from ${JSON.stringify(new URL("../../src/db/data-dir-lock.ts", import.meta.url).pathname)};
      const dir = process.argv.at(-1);
      const lines = process.stdin.setEncoding("utf8");
      const go = new Promise((r) => lines.once("data", r));
      const end = new Promise((r) => lines.once("end", r));
      console.log("ready");
      await go;
      lines.resume();
      try { await lockDataDir(dir); console.log("got"); }
      catch (e) { console.log(e.name); }
      await end;
      process.exit(0);`;
    const rounds = 5;
    const contenders = 2;
    const children = Array.from({ length: rounds }, () => {
      const dir = freshDir();
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "favor.lock"), deadPid());
      return Array.from({ length: contenders }, () => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, dir]);
        const lines: string[] = [];
        const waiters: Array<() => void> = [];
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          lines.push(...d.split("\n").filter(Boolean));
          for (const w of waiters.splice(0)) w();
        });
        const line = async (n: number) => {
          while (lines.length < n) await new Promise<void>((r) => waiters.push(r));
          return lines[n - 1];
        };
        const closed = new Promise((r) => child.on("close", r));
        return { child, line, closed };
      });
    });
    const all = children.flat();
    for (const c of all) expect(await c.line(1)).toBe("ready");
    for (const c of all) c.child.stdin.write("go\n");
    const results = await Promise.all(children.map((round) => Promise.all(round.map((c) => c.line(2)))));
    for (const c of all) c.child.stdin.end();
    await Promise.all(all.map((c) => c.closed));
    for (const round of results) {
      expect(
        round.filter((r) => r === "got"),
        JSON.stringify(round),
      ).toHaveLength(1);
      expect(round.filter((r) => r === "DataDirLockedError")).toHaveLength(contenders - 1);
    }
  }, 60_000);
});
