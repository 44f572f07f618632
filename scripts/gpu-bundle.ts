/**
 * `npx tsx scripts/gpu-bundle.ts <dir>`: builds the GPU runner as plain JavaScript for a host that has no
 * node_modules and no network (scripts/gpu-prepare.sh calls it): `<dir>/dist/` holds gpu-measure.mjs and the two
 * child entry points it spawns (child-main.mjs, webgpu-probe-child.mjs, found beside it by name), and
 * `<dir>/node_modules/` holds onnxruntime-node (its linux/x64 binaries only) and onnxruntime-common, the one
 * dependency left outside the bundle (a native addon).
 */
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The entry points, and the names the runner's child-process helpers look for beside it. */
export const BUNDLE_ENTRIES: Record<string, string> = {
  "gpu-measure": "scripts/gpu-measure.ts",
  "child-main": "src/measure/profiler/child-main.ts",
  "webgpu-probe-child": "src/measure/profiler/webgpu-probe-child.ts",
};

/** Builds the bundle into `dir`; returns the runner's path. */
export async function bundleGpuRunner(dir: string, options: { copyRuntime?: boolean } = {}): Promise<string> {
  const dist = path.join(dir, "dist");
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(BUNDLE_ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)]),
    ),
    outdir: dist,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    splitting: false,
    external: ["onnxruntime-node"],
    // CommonJS dependencies (protobufjs) call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __favorRequire } from 'node:module'; const require = __favorRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  if (options.copyRuntime !== false) {
    const require = createRequire(import.meta.url);
    const modules = path.join(dir, "node_modules");
    for (const pkg of ["onnxruntime-node", "onnxruntime-common"]) {
      // onnxruntime-common's exports hide its package.json; its folder is where its entry point's package lies.
      const from = packageDir(require.resolve(pkg), pkg);
      const to = path.join(modules, pkg);
      rmSync(to, { recursive: true, force: true });
      // onnxruntime-node ships binaries for five platforms; the GPU host needs linux/x64 only.
      cpSync(from, to, {
        recursive: true,
        filter: (src) => {
          const rel = path.relative(from, src).split(path.sep).join("/");
          const bin = /^bin\/napi-v\d+\/([^/]+)(?:\/([^/]+))?/.exec(rel);
          if (bin && (bin[1] !== "linux" || (bin[2] !== undefined && bin[2] !== "x64"))) return false;
          return !/^(script|lib)\//.test(rel) || pkg !== "onnxruntime-node";
        },
      });
    }
  }
  return path.join(dist, "gpu-measure.mjs");
}

function packageDir(entry: string, name: string): string {
  let dir = path.dirname(entry);
  while (path.basename(dir) !== name) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of ${name} from ${entry}`);
    dir = up;
  }
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("Usage: npx tsx scripts/gpu-bundle.ts <dir>");
    process.exit(2);
  }
  const runner = await bundleGpuRunner(path.resolve(dir));
  console.log(`gpu-bundle: ${path.relative(process.cwd(), runner)}`);
}
