/**
 * Returns, for each group (in order of first appearance), the members with the group's best (lowest) Pareto
 * rank, in input order: the group's representatives on a front computed over everyone. A group whose best
 * rank is 1 has models on the overall front; a higher best rank says how many fronts down its best sits.
 *
 * @example bestPerGroup([{ group: "A", rank: 2 }, { group: "A", rank: 1 }, { group: "B", rank: 3 }])
 * // [{ group: "A", rank: 1, members: [1] }, { group: "B", rank: 3, members: [2] }]
 */
export function bestPerGroup(
  points: ReadonlyArray<{ readonly group: string; readonly rank: number }>,
): Array<{ group: string; rank: number; members: number[] }> {
  const groups = new Map<string, { group: string; rank: number; members: number[] }>();
  points.forEach((p, i) => {
    const g = groups.get(p.group);
    if (!g) groups.set(p.group, { group: p.group, rank: p.rank, members: [i] });
    else if (p.rank < g.rank) {
      g.rank = p.rank;
      g.members = [i];
    } else if (p.rank === g.rank) g.members.push(i);
  });
  return [...groups.values()];
}
