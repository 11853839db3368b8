// The exact arithmetic under the timing engine, against brute force:
// decimals read as written, nearest-float rounding, floor sums and minima
// of linear functions modulo m (the closed forms of saturated queues).
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  dec,
  floorSum,
  maxMod,
  minMod,
  q,
  toNumber,
} from "../src/traffic/_rational.ts";

Deno.test("exact arithmetic: decimals read as written, nearest-float rounding, floor sums and minima of linear functions mod m against brute force", () => {
  assert.deepEqual(dec(0.003), q(3n, 1000n));
  assert.deepEqual(dec(1e-7), q(1n, 10_000_000n));
  assert.deepEqual(dec(1234.5), q(2469n, 2n));
  assert.deepEqual(dec(2.5e21), q(2_500_000_000_000_000_000_000n));
  assert.equal(toNumber(q(1n, 3n)), 1 / 3);
  assert.equal(
    toNumber(q(10n ** 40n + 1n, 3n * 10n ** 30n)),
    (1e10 + 1e-30) / 3,
  );
  assert.equal(toNumber(q(5n, 10n ** 324n)), 5e-324);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: -100, max: 100 }),
      fc.integer({ min: -100, max: 100 }),
      (n, m, a, b) => {
        let sum = 0n;
        let lo = Infinity;
        let hi = -Infinity;
        for (let x = 0; x < n; x++) {
          sum += BigInt(Math.floor((a * x + b) / m));
          const r = (((a * x + b) % m) + m) % m;
          lo = Math.min(lo, r);
          hi = Math.max(hi, r);
        }
        const N = BigInt(n);
        const M = BigInt(m);
        assert.equal(floorSum(N, M, BigInt(a), BigInt(b)), sum);
        if (n > 0) {
          assert.equal(Number(minMod(N, M, BigInt(a), BigInt(b))), lo);
          assert.equal(Number(maxMod(N, M, BigInt(a), BigInt(b))), hi);
        }
      },
    ),
    { numRuns: 3000, seed: 1 },
  );
  // Large moduli: minMod against a long brute force.
  const M = 1_000_003n;
  let best = M;
  for (let x = 0n; x < 200_000n; x++) {
    const r = (987_654n * x + 12_345n) % M;
    if (r < best) best = r;
  }
  assert.equal(minMod(200_000n, M, 987_654n, 12_345n), best);
});
