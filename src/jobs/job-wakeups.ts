/**
 * The in-process signal "a job was just enqueued": the measurement service (built once in createServices) calls
 * `notify`, and the workers of the same process that were handed the same object wake at once instead of at their
 * next poll. Workers in other processes find the job at their next poll.
 */
export class JobWakeups {
  private readonly listeners = new Set<() => void>();

  /** Wakes every subscribed worker. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` on every `notify`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
