import { type ASTNode, type DocumentNode, visit } from "graphql";

/**
 * Remembers the cost of operations that passed the limit checks (checkOperationLimits, checkInputLimits), per
 * document (graphql's parsed documents are shared by Apollo's document cache) and operation name, so that a
 * repeated operation skips their three document walks (7 % of a small page's time). A remembered result is used
 * only where the checks cannot come out otherwise for other variables:
 *
 * - every variable value is a number or a boolean (strings and lists are what the input checks bound; graphql's
 *   argument reading takes such a value as it is, so its size cannot matter), remembered apart for each set of
 *   variable names given (a missing or null variable makes the input checks skip the field that uses it), and
 * - no variable reaches a `first` argument or a directive (the only places the cost reads arguments).
 *
 * Operations that failed a check are never remembered: they are checked again each time.
 */
export class LimitsMemo {
  /** Per document: by operation name and variable names, the cost. */
  private readonly costs = new WeakMap<DocumentNode, Map<string, number>>();
  private readonly costReadsVariables = new WeakMap<DocumentNode, boolean>();

  /** Returns the remembered cost of this operation with these variables, or undefined (then check it). */
  get(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number | undefined {
    const key = memoKey(operationName, variables);
    return key === null ? undefined : this.costs.get(document)?.get(key);
  }

  /** Remembers the cost of an operation that passed every check, where that is safe (see the class). */
  set(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    cost: number,
  ): void {
    const key = memoKey(operationName, variables);
    if (key === null || !Number.isFinite(cost) || this.readsVariables(document)) return;
    let byKey = this.costs.get(document);
    if (!byKey) {
      byKey = new Map();
      this.costs.set(document, byKey);
    }
    byKey.set(key, cost);
  }

  private readsVariables(document: DocumentNode): boolean {
    let reads = this.costReadsVariables.get(document);
    if (reads === undefined) {
      reads = false;
      visit(document, {
        Directive(node) {
          if (hasVariable(node)) reads = true;
        },
        Argument(node) {
          if (node.name.value === "first" && hasVariable(node.value)) reads = true;
        },
      });
      this.costReadsVariables.set(document, reads);
    }
    return reads;
  }
}

/** Returns the operation name and the given variables' names, or null unless every value is a number or boolean. */
function memoKey(
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): string | null {
  const names = Object.keys(variables ?? {});
  for (const name of names) {
    const value = variables![name];
    if (typeof value !== "number" && typeof value !== "boolean") return null;
  }
  return [operationName ?? "", ...names.sort()].join("\u0000");
}

function hasVariable(node: ASTNode): boolean {
  let found = false;
  visit(node, {
    Variable() {
      found = true;
    },
  });
  return found;
}
