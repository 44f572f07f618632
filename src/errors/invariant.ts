/** Asserts an internal invariant; a failure is a bug in Favor, never a user error (and is masked in production). */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`Invariant violation: ${message}`);
}
