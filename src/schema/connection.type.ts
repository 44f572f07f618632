import { type ClassType, Field, Int, ObjectType } from "type-graphql";

@ObjectType({ simpleResolvers: true, description: "Relay page information." })
export class PageInfo {
  @Field(() => Boolean, { description: "Whether rows follow this page." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "Whether rows precede this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first row of the page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last row; pass it as `after` for the next page.",
  })
  endCursor!: string | null;
}

/** Returns the Relay edge and connection object types for `Node` (named `<name>Edge`, `<name>Connection`). */
export function createConnectionType<TNode extends object>(Node: ClassType<TNode>, name: string) {
  @ObjectType(`${name}Edge`, { simpleResolvers: true, description: `A ${name} with its cursor.` })
  class Edge {
    @Field(() => String, { description: "Opaque cursor of this row." })
    cursor!: string;

    @Field(() => Node, { description: `The ${name}.` })
    node!: TNode;
  }

  @ObjectType(`${name}Connection`, {
    simpleResolvers: true,
    description: `A page of ${name} rows (Relay cursor connection).`,
  })
  class Connection {
    @Field(() => [Edge], { description: "The rows of this page." })
    edges!: Edge[];

    @Field(() => PageInfo, { description: "Paging information." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Rows matching the query across all pages." })
    totalCount!: number;
  }
  return Connection;
}
