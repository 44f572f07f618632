import { type ASTNode, type DocumentNode, visit } from "graphql";

/**
 * Remembers the cost of operations that passed the limit checks (checkOperationLimits, checkInputLimits), per
 * document (graphql's parsed documents are shared by Apollo's document cache) and operation name, so that a
 * repeated operation skips their three document walks (7 % of a small page's time). A remembered result is used
 * only where the checks cannot come out otherwise for other variables:
 *
 * - every variable value is a number, a boolean or null (strings and lists are what the input checks bound), and
 * - no variable reaches a `first` argument or a directive (the only places the cost reads arguments).
 *
 * Operations that failed a check are never remembered: they are checked again each time.
 */
export class LimitsMemo {
  private readonly costs = new WeakMap<DocumentNode, Map<string, number>>();
  private readonly costReadsVariables = new WeakMap<DocumentNode, boolean>();

  /** Returns the remembered cost of this operation with these variables, or undefined (then check it). */
  get(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
  ): number | undefined {
    if (!plainValues(variables)) return undefined;
    return this.costs.get(document)?.get(operationName ?? "");
  }

  /** Remembers the cost of an operation that passed every check, where that is safe (see the class). */
  set(
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    cost: number,
  ): void {
    if (!Number.isFinite(cost) || !plainValues(variables) || this.readsVariables(document)) return;
    let perName = this.costs.get(document);
    if (!perName) {
      perName = new Map();
      this.costs.set(document, perName);
    }
    perName.set(operationName ?? "", cost);
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

function plainValues(variables: Record<string, unknown> | undefined): boolean {
  if (!variables) return true;
  for (const value of Object.values(variables))
    if (value !== null && typeof value !== "number" && typeof value !== "boolean") return false;
  return true;
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
