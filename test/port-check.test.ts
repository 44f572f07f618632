import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkPortFree, urlHost } from "../src/port-check.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

describe("a busy port", () => {
  let busy: Server;
  let port: number;
  const scratch = mkdtempSync(join(tmpdir(), "favor-port-"));
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => {
    busy.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("Handles a free port, a busy one and port 0", async () => {
    await expect(checkPortFree(0)).resolves.toBeUndefined();
    await expect(checkPortFree(port, "127.0.0.1")).rejects.toThrow(
      `127.0.0.1 port ${port} is in use (another Favor?): set PORT to a free port, e.g. PORT=${port + 1}, or PORT=0 for any`,
    );
    expect(urlHost(undefined)).toBe("127.0.0.1");
    expect(urlHost("::")).toBe("127.0.0.1");
    expect(urlHost("::1")).toBe("[::1]");
  });

  it("stops npm start before it creates and seeds a new data folder, saying what to set", async () => {
    const dataDir = join(scratch, "pglite");
    const child = spawn(process.execPath, ["--import", LOADER, "src/main.ts"], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: "127.0.0.1",
        FAVOR_DATA_DIR: dataDir,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code, output).toBe(1);
    const fatal = output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .find((l) => l.level === "fatal");
    expect(fatal?.msg).toContain(`port ${port} is in use`);
    expect(fatal?.msg).toContain("set PORT");
    expect(existsSync(dataDir)).toBe(false);
  });
});
