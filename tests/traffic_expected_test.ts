// Issue 11, item 6: expectedFates with a finite buffer, stable at any mean
// (exp(-mean) underflowed past a mean of about 745) and in bounded work.
import assert from "node:assert/strict";
import {
  countFates,
  expectedFates,
  outage,
  pathElement,
  poissonStream,
} from "../src/traffic/mod.ts";
import { expectedMin, poissonPmf } from "../src/traffic/_poisson.ts";

// E[min(N, c)] by summing the pmf over the mean's neighbourhood.
function bruteExpectedMin(mean: number, c: number): number {
  const width = 60 * Math.sqrt(mean) + 100;
  let sum = 0;
  for (
    let k = Math.max(0, Math.floor(mean - width));
    k <= Math.ceil(mean + width);
    k++
  ) sum += Math.min(k, c) * poissonPmf(k, mean);
  return sum;
}

Deno.test("item 6: Poisson 1000/s to 3 s, buffered on [1, 2) with room for 1100: no negative loss, never more delivered than sent", () => {
  const e = expectedFates(
    poissonStream({ packetsPerSecond: 1000, endSeconds: 3 }),
    [pathElement({
      changes: outage(1, 2, "buffer"),
      bufferCapacityPackets: 1100,
    })],
  );
  assert.ok(e.lostPackets >= 0, `lost ${e.lostPackets}`);
  assert.ok(e.deliveredPackets <= e.sentPackets);
  // 1000 offered, room 1100: E[(N - 1100)+] is about 0.0082.
  assert.ok(Math.abs(e.lostPackets - 0.008225346078688744) < 1e-9);
  assert.ok(Math.abs(e.heldPackets - (1000 - e.lostPackets)) < 1e-9);
});

Deno.test("item 6: a grid of means and capacities: E[min(N, c)] within 1e-9 (in units of the standard deviation) of a direct sum, and within its bounds", () => {
  let worst = 0;
  for (
    const mean of [0.5, 10, 99.5, 100, 150, 744, 746, 1000, 5000, 1e5, 1e6]
  ) {
    for (const z of [-6, -1, -0.2, 0, 0.2, 1, 3, 10]) {
      const c = Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
      const kept = expectedMin(mean, c);
      assert.ok(kept >= 0 && kept <= Math.min(mean, c) + 1e-9, `${mean} ${c}`);
      const err = Math.abs(kept - bruteExpectedMin(mean, c)) /
        Math.max(1, Math.sqrt(mean));
      worst = Math.max(worst, err);
    }
  }
  assert.ok(worst < 1e-9, `worst ${worst}`);
});

Deno.test("item 6: a billion packets in one episode: bounded work, consistent counts", () => {
  // The old loop ran capacity times (5 s at 1e9); this is a few thousand
  // density evaluations whatever the mean.
  for (const capacity of [1e9 - 1e5, 1e9, 1e9 + 3e4]) {
    const e = expectedFates(
      poissonStream({ packetsPerSecond: 1e9, endSeconds: 3 }),
      [pathElement({
        changes: outage(1, 2, "buffer"),
        bufferCapacityPackets: capacity,
      })],
    );
    assert.ok(e.lostPackets >= 0);
    assert.ok(e.heldPackets <= capacity);
    assert.ok(
      Math.abs(e.deliveredPackets + e.lostPackets - e.sentPackets) < 1e-3,
    );
  }
  // At the capacity equal to the mean, E[(N - c)+] = sqrt(mean / (2 pi)).
  const at = expectedMin(1e9, 1e9);
  assert.ok(Math.abs((1e9 - at) - Math.sqrt(1e9 / (2 * Math.PI))) < 1);
});

Deno.test("item 6: the expectation against the mean of sampled runs (countFates), buffer full half the time", () => {
  const path = [pathElement({
    changes: outage(0.2, 0.4, "buffer"),
    bufferCapacityPackets: 40,
  })];
  const expected = expectedFates(
    poissonStream({ packetsPerSecond: 200, endSeconds: 1 }),
    path,
  );
  let held = 0;
  const runs = 2000;
  for (let seed = 0; seed < runs; seed++) {
    held += countFates(
      poissonStream({ packetsPerSecond: 200, endSeconds: 1, seed }),
      path,
    ).heldPackets / runs;
  }
  // The standard error of the mean of 2000 runs is about 0.1.
  assert.ok(
    Math.abs(held - expected.heldPackets) < 0.5,
    `${held} vs ${expected.heldPackets}`,
  );
  // Negative control: the capacity-blind expectation (40) is far off.
  assert.ok(Math.abs(held - 40) > 2);
});

Deno.test("expectedFates refuses what has no closed form: servers with queues, capacity changes while holding, explicit streams", () => {
  const stream = poissonStream({ packetsPerSecond: 100 });
  assert.throws(
    () => expectedFates(stream, [pathElement({ linkBitsPerSecond: 1e6 })]),
    /path\[0\] has a server/,
  );
  assert.throws(
    () =>
      expectedFates(stream, [pathElement({
        changes: [
          { atSeconds: 0.2, state: "buffer", bufferCapacityPackets: 5 },
          { atSeconds: 0.3, state: "buffer", bufferCapacityPackets: 2 },
          { atSeconds: 0.5, state: "forward" },
        ],
      })]),
    /changes its buffer capacity at 0.3 s while it holds packets/,
  );
});
