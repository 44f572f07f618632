/**
 * The dashboard's static files: the page, its script and stylesheet, the shared plot-spec module (its types
 * stripped once by esbuild, which ships with tsx, the runtime) and the vendored vega/vega-lite browser builds;
 * and the GraphQL explorer's page, script and examples with the vendored GraphiQL and React builds. All are
 * served from this process so the pages work offline.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One servable file: its bytes, content type, ETag and cache policy. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const PUBLIC_DIR = join(HERE, "public");

/** URL path → where the asset comes from. */
const ASSETS: Record<string, () => Promise<{ body: Buffer; contentType: string; vendor: boolean }>> = {
  "/": () => publicFile("index.html", "text/html; charset=utf-8"),
  "/dashboard": () => publicFile("index.html", "text/html; charset=utf-8"),
  "/assets/dashboard.js": () => publicFile("dashboard.js", "text/javascript; charset=utf-8"),
  "/assets/device-compare.js": () => publicFile("device-compare.js", "text/javascript; charset=utf-8"),
  "/assets/dashboard.css": () => publicFile("dashboard.css", "text/css; charset=utf-8"),
  "/assets/favicon.svg": () => publicFile("favicon.svg", "image/svg+xml"),
  "/assets/plot-spec.js": async () => ({
    body: Buffer.from(await stripTypes(join(HERE, "plot-spec.ts"))),
    contentType: "text/javascript; charset=utf-8",
    vendor: false,
  }),
  "/assets/vendor/vega.min.js": () => vendorFile("vega", "build/vega.min.js"),
  "/assets/vendor/vega-lite.min.js": () => vendorFile("vega-lite", "build/vega-lite.min.js"),
  // The GraphQL explorer (GET /graphql from a browser): GraphiQL 3's UMD build over React 18's.
  "/graphql": () => publicFile("explorer.html", "text/html; charset=utf-8"),
  "/assets/explorer.js": () => publicFile("explorer.js", "text/javascript; charset=utf-8"),
  "/assets/explorer.css": () => publicFile("explorer.css", "text/css; charset=utf-8"),
  "/assets/explorer-examples.js": async () => ({
    body: Buffer.from(await stripTypes(join(HERE, "explorer-examples.ts"))),
    contentType: "text/javascript; charset=utf-8",
    vendor: false,
  }),
  "/assets/vendor/react.production.min.js": () => vendorFile("react", "umd/react.production.min.js"),
  "/assets/vendor/react-dom.production.min.js": () =>
    vendorFile("react-dom", "umd/react-dom.production.min.js"),
  "/assets/vendor/graphiql.min.js": () => vendorFile("graphiql", "dist/index.umd.js"),
  "/assets/vendor/graphiql.min.css": () =>
    vendorFile("graphiql", "dist/style.css", "text/css; charset=utf-8"),
};

/** Returns the URL paths the asset table serves. */
export function assetPaths(): string[] {
  return Object.keys(ASSETS);
}

/**
 * Returns a loader of static assets, caching each file after its first read; `reload` (for development)
 * re-reads the page's own files on every request.
 */
export function createAssetLoader(
  options: { reload?: boolean } = {},
): (path: string) => Promise<StaticAsset | undefined> {
  const cache = new Map<string, Promise<StaticAsset>>();
  return (path) => {
    const source = ASSETS[path];
    if (!source) return Promise.resolve(undefined);
    let hit = cache.get(path);
    if (!hit || options.reload) {
      hit = source().then(({ body, contentType, vendor }) => ({
        body,
        contentType,
        etag: `"${createHash("sha1").update(body).digest("base64url")}"`,
        // Vendored builds change only with package.json; the page's own files revalidate by ETag.
        cacheControl: vendor ? "public, max-age=86400" : "no-cache",
      }));
      cache.set(path, hit);
      hit.catch(() => cache.delete(path));
    }
    return hit;
  };
}

async function publicFile(name: string, contentType: string) {
  return { body: await readFile(join(PUBLIC_DIR, name)), contentType, vendor: false };
}

async function vendorFile(pkg: string, file: string, contentType = "text/javascript; charset=utf-8") {
  return {
    body: await readFile(join(packageRoot(pkg), file)),
    contentType,
    vendor: true,
  };
}

// The packages' `exports` hide their build folders from require.resolve, so find the package root instead.
function packageRoot(pkg: string): string {
  const require = createRequire(import.meta.url);
  for (let dir = dirname(require.resolve(pkg)); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === pkg) return dir;
  }
  throw new Error(`cannot find the package folder of ${pkg}`);
}

async function stripTypes(file: string): Promise<string> {
  const { transform } = await import("esbuild");
  const source = await readFile(file, "utf8");
  const out = await transform(source, {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcefile: basename(file),
  });
  return out.code;
}
