/**
 * `npm run ort:cuda -- --from <Microsoft.ML.OnnxRuntime.Gpu.Linux.1.30.0.nupkg> [--bin <folder>] [--force-version]`
 *
 * The offline install of onnxruntime-node's CUDA provider: copies the three provider libraries out of the NuGet
 * package (a zip; the same ones onnxruntime-node's own install script downloads with ONNXRUNTIME_NODE_INSTALL=cuda12)
 * into onnxruntime-node's binary folder. The package's version must be onnxruntime-node's (the providers are built
 * against that libonnxruntime). Running the provider also needs an NVIDIA driver, CUDA 12 and cuDNN 9 on the
 * library path; `npm run measure -- --provider cuda` then says what is missing, if anything.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { inflateRawSync } from "node:zlib";

import { onnxruntimeVersion } from "../src/measure/device/device-description.js";
import { onnxruntimeBinaryDir } from "../src/measure/profiler/provider.js";

/** The libraries the CUDA provider needs, and where the package holds them. */
export const CUDA_PROVIDER_LIBRARIES = [
  "libonnxruntime_providers_cuda.so",
  "libonnxruntime_providers_shared.so",
  "libonnxruntime_providers_tensorrt.so",
] as const;

/** Where the libraries lie inside the NuGet package. */
export const PACKAGE_LIBRARY_DIR = "runtimes/linux-x64/native";

/** A package that cannot be installed; the message says why. */
export class PackageError extends Error {
  override readonly name = "PackageError";
}

/** One file of a zip archive. */
interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/** Returns the entries of a zip archive from its central directory. @throws PackageError for anything else. */
export function zipEntries(zip: Buffer): ZipEntry[] {
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new PackageError("not a zip archive (no end of central directory); is it a .nupkg?");
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff)
    throw new PackageError(
      "zip64 archives are not supported; unpack the package and pass the folder's zip again",
    );
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== 0x02014b50)
      throw new PackageError("the zip's central directory is damaged");
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      size: zip.readUInt32LE(offset + 24),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
      name: zip.toString("utf8", offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Returns the bytes of one zip entry (stored or deflated). @throws PackageError */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== 0x04034b50) throw new PackageError(`the zip entry ${entry.name} is damaged`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  const data = entry.method === 0 ? raw : entry.method === 8 ? inflateRawSync(raw) : null;
  if (data === null)
    throw new PackageError(`the zip entry ${entry.name} uses compression method ${entry.method}`);
  if (data.length !== entry.size) throw new PackageError(`the zip entry ${entry.name} is truncated`);
  return data;
}

/** Returns the package's version from its .nuspec (`<version>1.30.0</version>`), or null. */
export function nuspecVersion(zip: Buffer, entries: readonly ZipEntry[]): string | null {
  const nuspec = entries.find((e) => !e.name.includes("/") && e.name.endsWith(".nuspec"));
  if (!nuspec) return null;
  const m = /<version>\s*([^<\s]+)\s*<\/version>/.exec(readZipEntry(zip, nuspec).toString("utf8"));
  return m ? m[1] : null;
}

/** What an install did. */
export interface CudaInstall {
  readonly version: string;
  readonly binDir: string;
  readonly installed: string[];
}

/**
 * Copies the CUDA provider libraries out of the NuGet package `from` into `binDir` (each written to a temporary
 * name first, then renamed, so a failure never leaves half a library). The package must hold all three and be
 * version `expectedVersion` (unless `anyVersion`).
 *
 * @throws PackageError naming what is wrong: not a zip, a library missing, the wrong version.
 */
export function installCudaProvider(options: {
  from: string;
  binDir: string;
  expectedVersion: string;
  anyVersion?: boolean;
}): CudaInstall {
  let zip: Buffer;
  try {
    zip = readFileSync(options.from);
  } catch (error) {
    throw new PackageError(`cannot read ${options.from}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const entries = zipEntries(zip);
  const version = nuspecVersion(zip, entries);
  if (version === null)
    throw new PackageError(`${path.basename(options.from)} has no .nuspec: not a NuGet package`);
  if (version !== options.expectedVersion && !options.anyVersion) {
    throw new PackageError(
      `the package is version ${version}, but onnxruntime-node is ${options.expectedVersion}: ` +
        `use Microsoft.ML.OnnxRuntime.Gpu.Linux.${options.expectedVersion}.nupkg (the providers are built against that libonnxruntime)`,
    );
  }
  const wanted = CUDA_PROVIDER_LIBRARIES.map((lib) => ({
    lib,
    entry: entries.find((e) => e.name === `${PACKAGE_LIBRARY_DIR}/${lib}`),
  }));
  const missing = wanted.filter((w) => w.entry === undefined).map((w) => w.lib);
  if (missing.length > 0)
    throw new PackageError(
      `the package lacks ${missing.join(", ")} in ${PACKAGE_LIBRARY_DIR}/: is it Microsoft.ML.OnnxRuntime.Gpu.Linux?`,
    );
  // Read everything before writing anything: a damaged entry leaves the folder as it was.
  const data = wanted.map((w) => ({ lib: w.lib, bytes: readZipEntry(zip, w.entry!) }));
  mkdirSync(options.binDir, { recursive: true });
  for (const { lib, bytes } of data) {
    const target = path.join(options.binDir, lib);
    const temp = `${target}.partial-${process.pid}`;
    writeFileSync(temp, bytes, { mode: 0o755 });
    renameSync(temp, target);
  }
  return { version, binDir: options.binDir, installed: data.map((d) => d.lib) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: "string" },
      bin: { type: "string" },
      "force-version": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help || !values.from) {
    console.log(
      "Usage: npm run ort:cuda -- --from Microsoft.ML.OnnxRuntime.Gpu.Linux.<version>.nupkg [--bin <folder>] [--force-version]",
    );
    process.exit(values.help ? 0 : 2);
  }
  const binDir = values.bin ?? onnxruntimeBinaryDir();
  try {
    const done = installCudaProvider({
      from: values.from,
      binDir,
      expectedVersion: onnxruntimeVersion(),
      anyVersion: values["force-version"],
    });
    console.log(`ort:cuda: installed ${done.installed.join(", ")} (${done.version}) into ${done.binDir}`);
    console.log(
      "ort:cuda: the CUDA provider also needs an NVIDIA driver, CUDA 12 and cuDNN 9 on the library path; " +
        '`npm run measure -- --model "ViT-Ti/16" --metrics latencyP50Ms --provider cuda` checks it',
    );
  } catch (error) {
    console.error(`ort:cuda: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
