import { describe, expect, it } from "vitest";

import { AdmissionGate } from "../../src/limits/admission-gate.js";

describe("AdmissionGate", () => {
  it("runs at most `concurrency` at once, queues in order and refuses beyond the queue", async () => {
    const gate = new AdmissionGate(2, 2);
    const order: string[] = [];
    await gate.enter();
    await gate.enter();
    const third = gate.enter().then(() => order.push("third"));
    const fourth = gate.enter().then(() => order.push("fourth"));
    await expect(gate.enter()).rejects.toMatchObject({ extensions: { code: "SERVER_BUSY" } });
    expect(order).toEqual([]);
    gate.leave();
    await third;
    expect(order).toEqual(["third"]);
    gate.leave();
    await fourth;
    expect(order).toEqual(["third", "fourth"]);
    gate.leave();
    gate.leave();
    // All slots free again: two enter at once.
    await Promise.all([gate.enter(), gate.enter()]);
  });
});
