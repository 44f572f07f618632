import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deflateRawSync } from "node:zlib";

import { afterAll, describe, expect, it } from "vitest";

import { CUDA_PROVIDER_LIBRARIES, installCudaProvider, PACKAGE_LIBRARY_DIR } from "../../scripts/ort-cuda.js";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A minimal zip writer (deflate, or stored for names ending in .txt), enough to stand in for a .nupkg. */
function zip(files: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const stored = name.endsWith(".txt");
    const body = stored ? data : deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const NAME = "Microsoft.ML.OnnxRuntime.Gpu.Linux";
const nuspec = (version: string) =>
  `<?xml version="1.0"?><package><metadata><id>${NAME}</id><version>${version}</version></metadata></package>`;
const library = (lib: string) => Buffer.from(`\x7fELF fake ${lib} `.repeat(200));
function nupkg(version: string, libraries: readonly string[] = CUDA_PROVIDER_LIBRARIES): Buffer {
  const files: Record<string, string | Buffer> = {
    [`${NAME}.nuspec`]: nuspec(version),
    "LICENSE.txt": "MIT",
  };
  for (const lib of libraries) files[`${PACKAGE_LIBRARY_DIR}/${lib}`] = library(lib);
  files[`${PACKAGE_LIBRARY_DIR}/libonnxruntime.so`] = library("libonnxruntime.so");
  return zip(files);
}

describe("npm run ort:cuda", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "favor-ort-cuda-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it("copies the three CUDA provider libraries of a good package into the binary folder, nothing else", () => {
    const bin = path.join(dir, "bin-good");
    const done = installCudaProvider({
      from: write(`${NAME}.1.30.0.nupkg`, nupkg("1.30.0")),
      binDir: bin,
      expectedVersion: "1.30.0",
    });
    expect(done).toEqual({ version: "1.30.0", binDir: bin, installed: [...CUDA_PROVIDER_LIBRARIES] });
    expect(readdirSync(bin).sort()).toEqual([...CUDA_PROVIDER_LIBRARIES].sort());
    for (const lib of CUDA_PROVIDER_LIBRARIES) {
      expect(readFileSync(path.join(bin, lib))).toEqual(library(lib));
      expect(statSync(path.join(bin, lib)).mode & 0o111).not.toBe(0);
    }
  });

  it("refuses a package that lacks a library, naming it, and writes nothing", () => {
    const bin = path.join(dir, "bin-missing");
    const from = write("missing.nupkg", nupkg("1.30.0", CUDA_PROVIDER_LIBRARIES.slice(1)));
    expect(() => installCudaProvider({ from, binDir: bin, expectedVersion: "1.30.0" })).toThrow(
      /the package lacks libonnxruntime_providers_cuda\.so in runtimes\/linux-x64\/native\//,
    );
    expect(() => readdirSync(bin)).toThrow();
  });

  it("refuses a package of another version (unless forced), and a file that is no NuGet package", () => {
    const bin = path.join(dir, "bin-version");
    const from = write("old.nupkg", nupkg("1.22.0"));
    expect(() => installCudaProvider({ from, binDir: bin, expectedVersion: "1.30.0" })).toThrow(
      /the package is version 1\.22\.0, but onnxruntime-node is 1\.30\.0: use Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux\.1\.30\.0\.nupkg/,
    );
    expect(() => readdirSync(bin)).toThrow();
    expect(
      installCudaProvider({ from, binDir: bin, expectedVersion: "1.30.0", anyVersion: true }).version,
    ).toBe("1.22.0");
    expect(() =>
      installCudaProvider({
        from: write("junk.nupkg", Buffer.from("not a zip")),
        binDir: bin,
        expectedVersion: "1.30.0",
      }),
    ).toThrow(/not a zip archive/);
    expect(() =>
      installCudaProvider({
        from: write("plain.zip", zip({ "a.txt": "x" })),
        binDir: bin,
        expectedVersion: "1.30.0",
      }),
    ).toThrow(/has no \.nuspec: not a NuGet package/);
    expect(() =>
      installCudaProvider({ from: path.join(dir, "nope.nupkg"), binDir: bin, expectedVersion: "1" }),
    ).toThrow(/cannot read .*nope\.nupkg: ENOENT/);
  });

  it("runs from the command line into a given folder", async () => {
    const { execFileSync } = await import("node:child_process");
    const bin = path.join(dir, "bin-cli");
    const from = write("cli.nupkg", nupkg("1.30.0"));
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "scripts/ort-cuda.ts", "--from", from, "--bin", bin],
      {
        encoding: "utf8",
      },
    );
    expect(out).toMatch(/ort:cuda: installed libonnxruntime_providers_cuda\.so, .* \(1\.30\.0\)/);
    expect(readdirSync(bin).sort()).toEqual([...CUDA_PROVIDER_LIBRARIES].sort());
  }, 60_000);
});
