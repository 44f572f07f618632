import { GraphQLError } from "graphql";

/**
 * Admission control for expensive operations: at most `concurrency` execute at once, up to `queueLength` wait in
 * order, and one more is refused at once with SERVER_BUSY (HTTP 503, Retry-After). Cheap operations (the probe's
 * `{ __typename }`, a single lookup) do not pass through it, so a flood of heavy reads cannot delay them behind
 * dozens of interleaved executions on the one event loop. A few lines rather than p-limit: the bounded queue and
 * its refusal are the point, and p-limit has neither.
 */
export class AdmissionGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueLength: number,
  ) {}

  /** Waits for a slot; throws SERVER_BUSY when the queue is full. Every successful enter needs one leave. */
  async enter(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return;
    }
    if (this.waiting.length >= this.queueLength) {
      throw new GraphQLError(
        `The server is busy: ${this.active} expensive operations run and ${this.waiting.length} wait; retry shortly`,
        {
          extensions: {
            code: "SERVER_BUSY",
            http: { status: 503, headers: new Map([["retry-after", "1"]]) },
          },
        },
      );
    }
    // The slot passes straight from leave() to the next waiter, so `active` stays counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
