import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Raised when another live process holds the PGlite data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `PGlite data directory ${dataDir} is in use by process ${pid}. PGlite allows one process per data directory: ` +
        `stop that process, set FAVOR_DATA_DIR to another directory, or use DATABASE_URL for a shared PostgreSQL. ` +
        `(If process ${pid} is not Favor, its id was reused: delete ${dataDir}/${LOCK_FILE}.)`,
    );
    this.name = "DataDirLockedError";
  }
}

/** A held lock; `release()` removes the lock file (idempotent). */
export interface DataDirLock {
  path: string;
  release(): void;
}

const LOCK_FILE = "favor.lock";

/**
 * Takes the lock file `<dataDir>/favor.lock` holding this process id, and returns a handle to release it.
 * PGlite itself does not lock its directory and two processes on one directory corrupt it, hence this lock.
 * A lock left by a process that no longer exists is taken over; a live holder raises DataDirLockedError.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx"); // atomic: fails if the file exists
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(path);
      if (holder !== null && holder !== process.pid && isAlive(holder))
        throw new DataDirLockedError(dataDir, holder);
      if (holder === process.pid) throw new DataDirLockedError(dataDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone (or the file is unreadable)
    }
  }
  throw new Error(`Could not take the lock ${path}: it keeps reappearing`);
}

function readHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
