import { type ChildProcess, spawn } from "node:child_process";
import os from "node:os";

/**
 * Starts one busy-looping process per CPU (the neighbour a shared machine may have) and resolves once they run;
 * the returned function kills them.
 */
export async function startCpuHogs(): Promise<() => void> {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < os.availableParallelism(); i++) {
    hogs.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  return () => {
    for (const hog of hogs) hog.kill("SIGKILL");
  };
}
