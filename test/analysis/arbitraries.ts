import fc from "fast-check";

import type { Objective } from "../../src/analysis/objective.js";

/**
 * Points on a small integer grid (so ties and duplicates are frequent), 1..5 objectives with random
 * directions, and up to `maxPoints` points. Integers keep every gap and target exact.
 */
export function pointsAndObjectives(
  maxPoints = 40,
): fc.Arbitrary<{ points: number[][]; objectives: Objective[] }> {
  return fc
    .integer({ min: 1, max: 5 })
    .chain((k) =>
      fc.record({
        objectives: fc.array(
          fc.constantFrom<Objective["direction"]>("max", "min").map((direction) => ({ direction })),
          { minLength: k, maxLength: k },
        ),
        points: fc.array(fc.array(fc.integer({ min: -4, max: 4 }), { minLength: k, maxLength: k }), {
          maxLength: maxPoints,
        }),
      }),
    )
    .chain(({ objectives, points }) =>
      // Duplicate some points on purpose: random grids rarely repeat a whole 5-D vector.
      fc.array(fc.nat(), { maxLength: points.length === 0 ? 0 : 5 }).map((copies) => ({
        objectives,
        points: [...points, ...copies.map((c) => [...points[c % points.length]])],
      })),
    );
}

/** Like {@link pointsAndObjectives} with real-valued coordinates, including -0 and values far apart. */
export function realPointsAndObjectives(): fc.Arbitrary<{ points: number[][]; objectives: Objective[] }> {
  return fc.integer({ min: 1, max: 5 }).chain((k) =>
    fc.record({
      objectives: fc.array(
        fc.constantFrom<Objective["direction"]>("max", "min").map((direction) => ({ direction })),
        { minLength: k, maxLength: k },
      ),
      points: fc.array(
        fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1)), {
          minLength: k,
          maxLength: k,
        }),
        { maxLength: 30 },
      ),
    }),
  );
}
