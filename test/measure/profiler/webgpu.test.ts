import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import {
  cpuFallbackOps,
  findVulkanLoader,
  gpuDriverFiles,
  parseLdconfig,
  parseVulkanSummary,
  parseWebGpuLog,
  vulkanDriverFiles,
} from "../../../src/measure/device/webgpu.js";
import { profileMetric } from "../../../src/measure/profiler/profile-model.js";
import type { WebGpuProbeResult } from "../../../src/measure/profiler/webgpu-probe.js";
import {
  DEFAULT_WEBGPU_OPTIONS,
  decideAvailability,
  interpretProbe,
  PROBE_MARKER,
  probeWebGpu,
  webgpuAvailability,
} from "../../../src/measure/profiler/webgpu-probe.js";
import { tinyMlpGraph } from "./fixtures/tiny-graph.js";

// What onnxruntime-node 1.30 and Dawn print on machines without a usable adapter (seen on this project's CI hosts).
const NO_LOADER_LOG = `Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file: No such file or directory
    at operator() (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/BackendVk.cpp:368)
`;
const ADAPTER_ERROR =
  "/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters";
const LAVAPIPE_LOG = `2026-12-07 15:55:01.1 [V:onnxruntime:, webgpu_provider_factory.cc:60 ParseEpConfig] WebGPU EP preferred layout: 0
2026-12-07 15:55:01.1 [V:onnxruntime:, webgpu_provider_factory.cc:61 ParseEpConfig] WebGPU EP validationMode: Disabled
2026-12-07 15:55:01.1 [V:onnxruntime:, webgpu_provider_factory.cc:62 ParseEpConfig] WebGPU EP Dawn backend type: 0
Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.
 - While initializing adapter (backend=BackendType::Vulkan)
    at InitializeImpl (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:253)
`;
// A GPU host's log (placement report of a graph with a data-dependent op that has no WebGPU kernel).
const GPU_LOG = `[V:onnxruntime:, webgpu_provider_factory.cc:60 ParseEpConfig] WebGPU EP preferred layout: 0
[V:onnxruntime:, webgpu_provider_factory.cc:62 ParseEpConfig] WebGPU EP Dawn backend type: 0
[V:onnxruntime:, webgpu_context.cc:200 Initialize] WebGPU EP Context is created for: Instance=0x1, Device=0x2.
[I:onnxruntime:, webgpu_execution_provider.cc:817 GetCapability] webgpu kernel not found in registries for Op type: TopK node name: /blocks.3/TopK
[V:onnxruntime:, session_state.cc:1378 VerifyEachNodeIsAssignedToAnEp] Node placements
[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 412
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   MatMul (fc0)
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   MemcpyToHost (Memcpy_token_0)
[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 4
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   TopK (/blocks.3/TopK)
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   Shape (/Shape)
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   TopK (/blocks.6/TopK)
[V:onnxruntime:, session_state.cc:1382 VerifyEachNodeIsAssignedToAnEp]   MemcpyFromHost (Memcpy)
[W:onnxruntime:, session_state.cc:1384 VerifyEachNodeIsAssignedToAnEp] Some nodes were not assigned to the preferred execution providers which may or may not have an negative impact on performance.
`;

const ok = (stdout: string, stderr: string) => interpretProbe(stdout, stderr, 0, null, 5);
const replyLine = (body: object) => `\n${PROBE_MARKER}${JSON.stringify(body)}\n`;

describe("the Vulkan loader and drivers", () => {
  it("finds the loader on LD_LIBRARY_PATH first, then in ldconfig's cache, then in the usual folders", () => {
    const files = new Set(["/opt/gl/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib64/libvulkan.so.1"]);
    const exists = (f: string) => files.has(f);
    expect(
      findVulkanLoader({
        env: { LD_LIBRARY_PATH: "/nowhere:/opt/gl/usr/lib/x86_64-linux-gnu" },
        exists,
        ldconfig: () => null,
      }),
    ).toBe("/opt/gl/usr/lib/x86_64-linux-gnu/libvulkan.so.1");
    const ldconfig =
      "\tlibvulkan_lvp.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan_lvp.so\n\tlibvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1\n";
    expect(findVulkanLoader({ env: {}, exists, ldconfig: () => ldconfig })).toBe(
      "/lib/x86_64-linux-gnu/libvulkan.so.1",
    );
    expect(findVulkanLoader({ env: {}, exists, ldconfig: () => "" })).toBe("/usr/lib64/libvulkan.so.1");
    expect(findVulkanLoader({ env: {}, exists: () => false, ldconfig: () => null })).toBeNull();
    expect(parseLdconfig(ldconfig, "libvulkan_lvp.so")).toBe("/lib/x86_64-linux-gnu/libvulkan_lvp.so");
  });

  it("reads VK_DRIVER_FILES where set, else the ICD folders, and tells GPU drivers from lavapipe", () => {
    const icd = "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json";
    expect(
      vulkanDriverFiles({ env: { VK_DRIVER_FILES: `${icd}:/missing.json` }, exists: (f) => f === icd }),
    ).toEqual([icd]);
    const listed = vulkanDriverFiles({
      env: {},
      listDir: (d) =>
        d === "/usr/share/vulkan/icd.d" ? ["lvp_icd.x86_64.json", "intel_icd.x86_64.json", "README"] : [],
    });
    expect(listed).toEqual([
      "/usr/share/vulkan/icd.d/intel_icd.x86_64.json",
      "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json",
    ]);
    expect(gpuDriverFiles(listed)).toEqual(["/usr/share/vulkan/icd.d/intel_icd.x86_64.json"]);
  });

  it("parses vulkaninfo --summary, leaving CPU rasterisers out", () => {
    const text = `Devices:
========
GPU0:
	apiVersion         = 1.4.303
	driverVersion      = 570.86.15
	deviceType         = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU
	deviceName         = NVIDIA H200
	driverName         = NVIDIA
	driverInfo         = 570.86.15
GPU1:
	apiVersion         = 1.3.255
	deviceType         = PHYSICAL_DEVICE_TYPE_CPU
	deviceName         = llvmpipe (LLVM 15.0.6, 256 bits)
	driverName         = llvmpipe
`;
    expect(parseVulkanSummary(text)).toEqual([
      {
        deviceName: "NVIDIA H200",
        deviceType: "PHYSICAL_DEVICE_TYPE_DISCRETE_GPU",
        driverName: "NVIDIA",
        driverInfo: "570.86.15",
        apiVersion: "1.4.303",
      },
    ]);
  });
});

describe("parseWebGpuLog", () => {
  it("reads Dawn's missing loader, its adapter warnings and the EP's configuration", () => {
    expect(parseWebGpuLog(NO_LOADER_LOG).vulkanLoadError).toBe(
      "libvulkan.so.1: cannot open shared object file: No such file or directory",
    );
    const lavapipe = parseWebGpuLog(LAVAPIPE_LOG);
    expect(lavapipe.vulkanLoadError).toBeNull();
    expect(lavapipe.contextCreated).toBe(false);
    expect(lavapipe.dawnWarnings).toEqual(["Vulkan shaderUniform*ArrayDynamicIndexing required."]);
    expect(lavapipe.config).toEqual({
      preferredLayout: "0",
      validationMode: "Disabled",
      dawnBackendType: "0",
    });
  });

  it("reads the placement report and lists the operators that fell back to the CPU", () => {
    const facts = parseWebGpuLog(GPU_LOG);
    expect(facts.contextCreated).toBe(true);
    expect(facts.kernelsNotFound).toEqual([{ op: "TopK", name: "/blocks.3/TopK" }]);
    expect(facts.placements?.counts).toEqual({ WebGpuExecutionProvider: 412, CPUExecutionProvider: 4 });
    expect(cpuFallbackOps(facts.placements)).toEqual([
      { op: "TopK", count: 2, nodes: ["/blocks.3/TopK", "/blocks.6/TopK"] },
      { op: "Shape", count: 1, nodes: ["/Shape"] },
    ]);
    const all = parseWebGpuLog(
      "[V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 97\n",
    );
    expect(all.placements?.counts).toEqual({ WebGpuExecutionProvider: 97 });
    expect(cpuFallbackOps(all.placements)).toEqual([]);
    expect(cpuFallbackOps(null)).toEqual([]);
  });
});

describe("interpretProbe", () => {
  it("names the missing loader, the missing adapter, a refused CPU fallback and a crash", () => {
    const noLoader = ok(replyLine({ ok: false, error: ADAPTER_ERROR }), NO_LOADER_LOG);
    expect(noLoader).toMatchObject({ ok: false, missing: "vulkan-loader" });
    expect(noLoader.problem).toMatch(
      /no Vulkan loader: Dawn could not load Vulkan \(libvulkan\.so\.1: cannot open/,
    );
    const noAdapter = ok(replyLine({ ok: false, error: ADAPTER_ERROR }), LAVAPIPE_LOG);
    expect(noAdapter).toMatchObject({ ok: false, missing: "adapter" });
    expect(noAdapter.problem).toBe(
      'no WebGPU adapter: Dawn found none ("No supported adapters"); Dawn: Vulkan shaderUniform*ArrayDynamicIndexing required.',
    );
    const refused = ok(
      replyLine({
        ok: false,
        error:
          "This session contains graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled by the user.",
      }),
      GPU_LOG,
    );
    expect(refused).toMatchObject({ ok: false, missing: "cpu-fallback" });
    expect(refused.problem).toContain("TopK×2, Shape×1");
    const died = interpretProbe("", "Segmentation fault", null, "SIGSEGV", 5);
    expect(died).toMatchObject({
      ok: false,
      missing: "error",
      problem: "the WebGPU probe died (signal SIGSEGV)",
    });
    const fine = ok(replyLine({ ok: true }), GPU_LOG);
    expect(fine).toMatchObject({ ok: true, missing: null, problem: null });
    expect(fine.cpuFallbackOps.map((o) => o.op)).toEqual(["TopK", "Shape"]);
  });
});

describe("decideAvailability", () => {
  const probeResult = (over: Partial<WebGpuProbeResult>): WebGpuProbeResult => ({
    ...ok(replyLine({ ok: true }), ""),
    ...over,
  });
  const never = (): WebGpuProbeResult => {
    throw new Error("no probe without a loader");
  };

  it("needs linux or windows on x64, and on linux the loader before any probe runs", () => {
    expect(decideAvailability("darwin", "arm64", null, [], never)).toMatchObject({ missing: "platform" });
    const a = decideAvailability("linux", "x64", null, [], never);
    expect(a.missing).toBe("vulkan-loader");
    expect(a.problem).toMatch(
      /no Vulkan loader: libvulkan\.so\.1 was not found \(install the libvulkan1 package/,
    );
  });

  it("says when no GPU driver's Vulkan manifest was found beside a missing adapter", () => {
    const noAdapter = () =>
      probeResult({
        ok: false,
        missing: "adapter",
        problem: 'no WebGPU adapter: Dawn found none ("No supported adapters")',
      });
    expect(decideAvailability("linux", "x64", "/lib/libvulkan.so.1", [], noAdapter).problem).toMatch(
      /no Vulkan driver manifest \(\*_icd\.json\) was found: on an NVIDIA host set VK_DRIVER_FILES/,
    );
    expect(
      decideAvailability(
        "linux",
        "x64",
        "/lib/libvulkan.so.1",
        ["/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"],
        noAdapter,
      ).problem,
    ).toMatch(/only software Vulkan drivers were found \(lavapipe\)/);
    const found = decideAvailability("linux", "x64", "/lib/libvulkan.so.1", ["/x/nvidia_icd.json"], () =>
      probeResult({}),
    );
    expect(found).toMatchObject({ missing: null, problem: null, adapter: "Dawn/Vulkan adapter" });
  });
});

describe("the probe child", () => {
  it("reads onnxruntime's real placement report from its verbose log (placed on the CPU provider here)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "favor-probe-"));
    try {
      const file = path.join(dir, "mlp.onnx");
      writeFileSync(file, tinyMlpGraph());
      const result = await probeWebGpu({
        graphPath: file,
        options: DEFAULT_WEBGPU_OPTIONS,
        run: true,
        provider: "cpu",
      });
      expect(result).toMatchObject({ ok: true, missing: null, cpuFallbackOps: [] });
      expect(Object.keys(result.nodeCounts)).toEqual(["CPUExecutionProvider"]);
      expect(result.nodeCounts.CPUExecutionProvider).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("WebGPU on this machine", () => {
  it("is available, or its problem names the Vulkan loader or the adapter (CI machines have no GPU)", () => {
    const a = webgpuAvailability();
    if (a.problem === null) return; // A GPU host: nothing unavailable to test.
    expect(["vulkan-loader", "adapter"]).toContain(a.missing);
    expect(a.problem).toMatch(a.missing === "vulkan-loader" ? /libvulkan\.so\.1/ : /no WebGPU adapter/);
  }, 60_000);

  it("fails a webgpu measurement as provider-unavailable, never a silent CPU run, and auto runs the CPU saying why", async () => {
    const a = webgpuAvailability();
    if (a.problem === null) return;
    const graph = { bytes: tinyMlpGraph() };
    const settings = { latency: { warmupRuns: 1, minRuns: 3, minDurationMs: 0, maxDurationMs: 2_000 } };
    const f = await profileMetric({ graph, metric: "latency", provider: "webgpu", settings });
    expect(f.ok).toBe(false);
    if (f.ok) return;
    expect(f.kind).toBe("provider-unavailable");
    expect(f.message).toContain(a.problem);
    const auto = await profileMetric({ graph, metric: "latency", provider: "auto", settings });
    expect(auto.ok && auto.provenance.provider).toBe("cpu");
    if (auto.ok) expect(auto.provenance.providerReason).toContain(`webgpu cannot run: ${a.problem}`);
  }, 120_000);
});
