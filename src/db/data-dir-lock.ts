import { createHash } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** Raised when another live process holds the PGlite data directory. */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    const who = pid === null ? "another process" : `process ${pid}`;
    super(
      `PGlite data directory ${dataDir} is in use by ${who}. PGlite allows one process per data directory: ` +
        `stop that process, set FAVOR_DATA_DIR to another directory, or use DATABASE_URL for a shared PostgreSQL.` +
        (pid === null
          ? ""
          : ` (If process ${pid} is not Favor, its id was reused: delete ${dataDir}/${LOCK_FILE}.)`),
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
 * Takes the lock on `dataDir` and returns a handle to release it. PGlite itself does not lock its directory and two
 * processes on one directory corrupt it, hence this lock. On Linux the lock is a listening socket in the abstract
 * namespace named after the directory: the kernel grants it to one process at a time and frees it when that
 * process dies, so taking over after a crash is atomic. Elsewhere only the lock file below is used (its stale-lock
 * takeover is not atomic). The file `<dataDir>/favor.lock` holds the holder's pid, for messages and for processes
 * that do not share this host's network namespace (containers on one volume): a file naming another live process
 * is refused too.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  if (process.platform !== "linux") return lockFile(dataDir, path);
  const socket = createServer();
  const name = `\0favor-pglite-${createHash("sha256").update(realpathSync(dataDir)).digest("hex").slice(0, 40)}`;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.listen({ path: name, exclusive: true }, () => resolve());
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new DataDirLockedError(dataDir, readHolder(path));
    throw error;
  }
  socket.unref(); // the lock must not keep the process alive
  const holder = readHolder(path);
  if (holder !== null && holder !== process.pid && isAlive(holder)) {
    socket.close();
    throw new DataDirLockedError(dataDir, holder);
  }
  writeFileSync(path, String(process.pid));
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
      socket.close();
    },
  };
}

/** The lock file alone, for platforms without abstract sockets. */
function lockFile(dataDir: string, path: string): DataDirLock {
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
      if (holder !== null && (holder === process.pid || isAlive(holder)))
        throw new DataDirLockedError(dataDir, holder);
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
