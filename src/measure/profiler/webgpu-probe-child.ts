/**
 * The WebGPU probe child (see webgpu-probe.ts): reads one WebGpuProbeRequest from stdin, turns onnxruntime's log
 * up to verbose, creates one WebGPU session (optionally runs it once at batch 1), and prints one result line. The
 * parent reads what matters from this process's stderr (Dawn's and onnxruntime's log).
 */
import { readFileSync } from "node:fs";

import type { InferenceSession as OrtSession } from "onnxruntime-node";
import { env, InferenceSession } from "onnxruntime-node";

import { BATCH, GraphBuilder, linear } from "../onnx/index.js";
import { webgpuSessionOptions } from "./gpu-protocol.js";
import { inputSignatures, randomFeeds, resolveInputShapes } from "./session-feeds.js";
import type { WebGpuProbeRequest } from "./webgpu-probe.js";
import { PROBE_MARKER } from "./webgpu-probe.js";

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  let request: WebGpuProbeRequest;
  try {
    request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as WebGpuProbeRequest;
  } catch (error) {
    return reply({ ok: false, error: `unreadable probe request: ${String(error)}` });
  }
  env.logLevel = "verbose";
  let session: OrtSession | null = null;
  try {
    const graph = request.graphPath === null ? tinyGraph() : readFileSync(request.graphPath);
    session = await InferenceSession.create(graph, {
      ...(request.provider === "cpu"
        ? { executionProviders: ["cpu"] }
        : request.provider === "cuda"
          ? { executionProviders: [{ name: "cuda", deviceId: 0 }] }
          : webgpuSessionOptions(request.options, 0)),
      logSeverityLevel: 0,
    });
    if (request.run) {
      const inputs = inputSignatures(session);
      await session.run(randomFeeds(inputs, resolveInputShapes(inputs, 1, null), 0));
    }
    await session.release();
    reply({ ok: true });
  } catch (error) {
    reply({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
}

function tinyGraph(): Uint8Array {
  const b = new GraphBuilder({ name: "webgpu_probe", seed: 1 });
  let x = b.input("x", [BATCH, 32]);
  x = b.relu(linear(b, x, 32, 32, "fc0"));
  b.output(linear(b, x, 32, 8, "fc1"), "y");
  return b.toBytes();
}

function reply(body: { ok: boolean; error?: string }): void {
  process.stdout.write(`\n${PROBE_MARKER}${JSON.stringify(body)}\n`, () => process.exit(0));
}

await main();
