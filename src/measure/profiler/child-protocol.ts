import type { MeasureSettings } from "./measure-settings.js";
import type {
  FailureDetails,
  FailureKind,
  GraphInfo,
  GraphOptimizationLevel,
  Measurement,
} from "./profile.types.js";
import type { Provider } from "./provider.js";

/**
 * The parent ↔ child protocol. The parent writes one ChildRequest as JSON to the child's stdin; the child
 * writes progress lines and finally exactly one result line to stdout, each a marker then JSON (timm's
 * bulk_runner style), so stray output from native code cannot be mistaken for a result.
 */

/** Prefix of the child's one result line. */
export const RESULT_MARKER = "@@favor-profile-result@@ ";
/** Prefix of the child's progress lines. */
export const PROGRESS_MARKER = "@@favor-profile-progress@@ ";
/** Environment variable through which the runner tells the child its pid (the child dies with its parent). */
export const PARENT_PID_ENV = "FAVOR_PROFILER_PARENT_PID";

/** The one measurement a child performs. */
export type ChildTask =
  | { readonly metric: "latency"; readonly batchSize: number }
  | {
      readonly metric: "throughput";
      readonly maxBatchSize: number;
      readonly memoryBudgetBytes: number | null;
    }
  | { readonly metric: "memory"; readonly batchSize: number }
  | { readonly metric: "operators"; readonly profileDir: string };

/**
 * A fault the child injects on purpose, to test the parent's handling. Honoured only when the child's
 * environment has FAVOR_PROFILER_FAULTS=1, so no request from outside can trigger one.
 */
export type ChildFault = "abort" | "exit" | "hang" | "allocate" | "throw";

/** What the parent asks a child to do. */
export interface ChildRequest {
  readonly graphPath: string;
  readonly provider: Provider;
  readonly gpuIndex: number;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: GraphOptimizationLevel;
  /** Full input shapes at batch 1 per input name, for graphs with symbolic non-batch dims. */
  readonly inputShapes: Readonly<Record<string, ReadonlyArray<number>>> | null;
  readonly task: ChildTask;
  readonly settings: MeasureSettings;
  readonly fault: ChildFault | null;
}

/** Facts about the session, sent with every successful reply. */
export interface ChildSessionInfo {
  readonly onnxruntimeVersion: string;
  readonly sessionLoadMs: number;
  readonly inputs: GraphInfo["inputs"];
}

/** The child's one reply. */
export type ChildReply =
  | { readonly ok: true; readonly measurement: Measurement; readonly session: ChildSessionInfo }
  | {
      readonly ok: false;
      readonly kind: FailureKind;
      readonly message: string;
      readonly details: FailureDetails;
    };

/** A progress note from the child. */
export interface ChildProgress {
  readonly stage: string;
  readonly batchSize?: number;
  readonly imagesPerSecond?: number;
}
