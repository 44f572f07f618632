import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layer rules of README "Architecture", read off the import graph of `src/`: every `import`,
 * `export … from` and dynamic `import()` (type-only imports included: a type is a dependency too).
 * A layer is the first folder under `src/` (`src/db/queries/jobs.ts` → `db`), or the file's own name for
 * a file directly under `src/` (`src/server.ts` → `server`, `src/config.ts` → `config`).
 */
const SRC = resolve(import.meta.dirname, "../src");

/** Layers each layer must never import, with the reason a reader gets when it does. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  measure: ["db", "services", "resolvers", "web", "config", "jobs", "server", "cli"],
  analysis: ["db", "services", "resolvers", "web", "config", "jobs", "server", "cli", "measure"],
  db: ["services", "resolvers", "web", "jobs", "server", "cli"],
  jobs: ["services", "resolvers", "web", "server", "cli"],
  services: ["resolvers", "web", "server", "cli"],
  resolvers: ["web", "server", "cli"],
  web: ["server", "cli"],
  schema: ["services", "resolvers", "web", "jobs", "server", "cli"],
};

/**
 * Imports that break a rule and are known: each entry is `from -> to` (paths under `src/`). The list
 * only shrinks; it is empty when the tree obeys its rules.
 */
const ALLOWED: ReadonlySet<string> = new Set<string>([
  "schema/model-resolution.type.ts -> services/subject-query.ts",
  "schema/run.type.ts -> services/subject-query.ts",
]);

/** Packages that talk to the database. */
const SQL_PACKAGES = /^(drizzle-orm|pg|@electric-sql\/pglite)(\/|$)/;

/** Files outside src/db known to import a database package; the list only shrinks. */
const SQL_ALLOWED: ReadonlySet<string> = new Set<string>([]);

/** Files other than src/config.ts known to read `process.env`; the list only shrinks. */
const ENV_READERS_ALLOWED: ReadonlySet<string> = new Set<string>([
  "observability/logger.ts",
  "measure/profiler/child-main.ts",
  "measure/profiler/child-runner.ts",
  // The Vulkan loader's own variables (VK_DRIVER_FILES, LD_LIBRARY_PATH), looked at and passed to the probe child.
  "measure/device/webgpu.ts",
  "measure/profiler/webgpu-probe.ts",
]);

describe("architecture", () => {
  const graph = importGraph();

  it("reads the import graph", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("server.ts")?.size).toBeGreaterThan(0);
  });

  it("keeps every import inside the layer rules", () => {
    const crossings: string[] = [];
    for (const [from, targets] of graph) {
      const banned = FORBIDDEN[layerOf(from)] ?? [];
      for (const to of targets) {
        if (banned.includes(layerOf(to)) && !ALLOWED.has(`${from} -> ${to}`))
          crossings.push(`${from} -> ${to}`);
      }
    }
    expect(crossings.sort()).toEqual([]);
  });

  it("has no import cycle between layers", () => {
    const edges = new Map<string, Set<string>>();
    const fileEdges: Array<[string, string, string]> = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const [a, b] = [layerOf(from), layerOf(to)];
        if (a === b || ALLOWED.has(`${from} -> ${to}`)) continue;
        if (!edges.has(a)) edges.set(a, new Set());
        edges.get(a)!.add(b);
        fileEdges.push([a, b, `${from} -> ${to}`]);
      }
    }
    const cycles = stronglyConnected(edges)
      .filter((component) => component.length > 1)
      .map((component) => {
        const members = new Set(component);
        const inside = fileEdges
          .filter(([a, b]) => members.has(a) && members.has(b))
          .map(([, , edge]) => edge);
        return { layers: component.sort(), edges: inside.sort() };
      });
    expect(cycles).toEqual([]);
  });

  it("talks SQL only in src/db (drizzle-orm, pg and PGlite are imported nowhere else)", () => {
    const outside = [...graph.keys()]
      .filter((file) => layerOf(file) !== "db")
      .filter((file) => packagesOf(file).some((name) => SQL_PACKAGES.test(name)))
      .filter((file) => !SQL_ALLOWED.has(file));
    expect(outside.sort()).toEqual([]);
  });

  it("types its rows instead of casting them (no `as unknown as` in src)", () => {
    const casts = [...graph.keys()].filter((file) =>
      /\bas unknown as\b/.test(readFileSync(join(SRC, file), "utf8")),
    );
    expect(casts.sort()).toEqual([]);
  });

  it("reads the environment only in src/config.ts", () => {
    const readers = [...graph.keys()]
      .filter((file) => file !== "config.ts" && /process\.env\b/.test(readFileSync(join(SRC, file), "utf8")))
      .filter((file) => !ENV_READERS_ALLOWED.has(file));
    expect(readers.sort()).toEqual([]);
  });

  it("keeps the allow-lists honest (every entry is still true)", () => {
    const stale = [...ALLOWED].filter((edge) => {
      const [from, to] = edge.split(" -> ");
      return !graph.get(from)?.has(to);
    });
    const staleReaders = [...ENV_READERS_ALLOWED].filter(
      (file) => !graph.has(file) || !/process\.env\b/.test(readFileSync(join(SRC, file), "utf8")),
    );
    const staleSql = [...SQL_ALLOWED].filter(
      (file) => !graph.has(file) || !packagesOf(file).some((name) => SQL_PACKAGES.test(name)),
    );
    expect([...stale, ...staleReaders, ...staleSql]).toEqual([]);
  });
});

/** The packages (non-relative specifiers) a `src/` file imports. */
function packagesOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(SRC, file), "utf8"), true, true);
  return info.importedFiles.map((ref) => ref.fileName).filter((name) => !name.startsWith("."));
}

/** Each `src/` file (path under `src/`) with the `src/` files it imports. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    const info = ts.preProcessFile(text, true, true);
    const targets = new Set<string>();
    for (const ref of info.importedFiles) {
      const target = resolveImport(file, ref.fileName);
      if (target) targets.add(relative(SRC, target));
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  return candidates.find((candidate) => isFile(candidate) && candidate.startsWith(SRC));
}

function layerOf(path: string): string {
  const [first, ...rest] = path.split("/");
  return rest.length === 0 ? first.replace(/\.ts$/, "") : first;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Tarjan's strongly connected components of a small directed graph. */
function stronglyConnected(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const nodes = new Set<string>([...edges.keys(), ...[...edges.values()].flatMap((set) => [...set])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components;
}
