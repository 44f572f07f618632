import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import pkg from "onnx-proto";
import { afterAll, describe, expect, it } from "vitest";

const { onnx } = pkg;
const run = promisify(execFile);
const CLI = new URL("../../src/cli/zoo.ts", import.meta.url).pathname;
const TSX = new URL("../../node_modules/.bin/tsx", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "favor-zoo-cli-"));

async function zoo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CLI, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("zoo CLI", () => {
  it("exports a model and prints the statistics of the file", async () => {
    const out = join(dir, "vit.onnx");
    const exported = await zoo("export", "--model", "ViT-Ti/16", "--resolution", "32", "--out", out);
    expect(exported.code).toBe(0);
    // 5,721,832 at 224 minus (196 − 4) position-embedding tokens × 192.
    expect(exported.stdout).toMatch(/ViT-Ti\/16 @32, 5,684,968 parameters/);
    const stats = await zoo("stats", out);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/parameters\s+5,684,968/);
    expect(stats.stdout).toMatch(/output logits \[1, 1000\]/);
  });

  it("names the op and node of an unsupported operator in a user file, with exit code 1", async () => {
    const file = join(dir, "custom.onnx");
    writeFileSync(
      file,
      onnx.ModelProto.encode({
        irVersion: 8,
        opsetImport: [{ version: 17 }],
        graph: {
          name: "custom",
          input: [
            {
              name: "x",
              type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "N" }, { dimValue: 4 }] } } },
            },
          ],
          output: [{ name: "y" }],
          node: [
            { opType: "FusedThing", domain: "com.example", name: "my_node", input: ["x"], output: ["y"] },
          ],
        },
      }).finish(),
    );
    const r = await zoo("stats", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FusedThing node "my_node": unsupported operator com\.example::FusedThing/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("reports bad usage and unknown models plainly", async () => {
    expect(
      (await zoo("export", "--model", "ViT-Q", "--resolution", "224", "--out", join(dir, "x.onnx"))).stderr,
    ).toMatch(/unknown zoo model "ViT-Q"/);
    const missing = await zoo("export", "--model", "ViT-S/16");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--resolution is required/);
    expect((await zoo("stats", join(dir, "nope.onnx"))).stderr).toMatch(/cannot read .*nope\.onnx: ENOENT/);
    expect((await zoo("frobnicate")).code).toBe(2);
  });
});
