import { BadUserInputError } from "../errors/index.js";

/** Page size used when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page a client may ask for (all 90 runs fit in one page). */
export const MAX_PAGE_SIZE = 200;

const CURSOR_PREFIX = "favor:offset:";

/** Returns the opaque cursor of the item at `offset` in an ordered result. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, "utf8").toString("base64url");
}

/**
 * Returns the offset a cursor stands for; throws BAD_USER_INPUT naming the cursor when it is not one of ours.
 * Cursors are positions in the ordered result (the data is append-only), so they stay valid for the same query.
 */
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const offset = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(offset) || offset < 0 || encodeCursor(offset) !== cursor) {
    throw new BadUserInputError(`Invalid cursor "${cursor}": use a cursor returned by this API`, {
      argument: "after",
    });
  }
  return offset;
}

/** A validated page request: rows `offset .. offset+limit-1`. */
export interface PageRequest {
  offset: number;
  limit: number;
}

/** Returns the page request for Relay `first`/`after`; throws BAD_USER_INPUT for a bad size or cursor. */
export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const limit = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`Page size first=${limit} is out of range: use 0 to ${MAX_PAGE_SIZE}`, {
      argument: "first",
      maxPageSize: MAX_PAGE_SIZE,
    });
  }
  return { offset: after == null ? 0 : decodeCursor(after) + 1, limit };
}

/** A Relay connection's plain data. */
export interface ConnectionData<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

/** Returns the Relay connection of one page of `nodes` that starts at `page.offset` in a result of `totalCount`. */
export function toConnection<T>(
  nodes: readonly T[],
  page: PageRequest,
  totalCount: number,
): ConnectionData<T> {
  const edges = nodes.map((node, i) => ({ cursor: encodeCursor(page.offset + i), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.offset + nodes.length < totalCount,
      hasPreviousPage: page.offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}
