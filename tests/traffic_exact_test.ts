// Issue 11, items 1 and 7: boundary decisions exact for the decimals
// written, in both engines, and counts above 2^53 rejected (not a hang);
// the exact arithmetic underneath checked against brute force.
import assert from "node:assert/strict";
import {
  cbrStream,
  countBefore,
  countFates,
  explicitStream,
  outage,
  packetCount,
  pathElement,
  poissonStream,
  simulatePackets,
} from "../src/traffic/mod.ts";
import { xenStandardMigration } from "../src/xen/mod.ts";

Deno.test("item 1: packet 3997 of 1000/s after 3 ms of links reaches the router at exactly 4.000 s: an outage on [3.9, 4.0) spares it", () => {
  // In binary floating point the sum is 3.9999999999999996.
  assert.ok(3997 / 1000 + 0.002 + 0.001 < 4);
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 5 });
  const path = [
    pathElement({ name: "client link", latencySeconds: 0.002 }),
    pathElement({ name: "switch", latencySeconds: 0.001 }),
    pathElement({ name: "router", changes: outage(3.9, 4) }),
  ];
  for (
    const counts of [
      countFates(stream, path),
      simulatePackets(stream, path).counts,
    ]
  ) {
    // Packets 3897 .. 3996 arrive in [3.9, 4.0): exactly 100.
    assert.equal(counts.lostPackets, 100);
  }
  // Which 100: 3897 (at exactly 3.9, floats say 3.8999999999999995) is
  // lost, 3997 (at exactly 4.0) is not.
  const { packets } = simulatePackets(stream, path, { recordPackets: true });
  assert.deepEqual([3896, 3897, 3996, 3997].map((k) => packets!.fate[k]), [
    0,
    1,
    1,
    0,
  ]);
  // The sender's link as a stream field: the same decision.
  const linked = cbrStream({
    packetsPerSecond: 1000,
    endSeconds: 5,
    linkLatencySeconds: 0.002,
  });
  const rest = path.slice(1);
  assert.equal(countFates(linked, rest).lostPackets, 100);
  assert.equal(simulatePackets(linked, rest).counts.lostPackets, 100);
  // Packet 1001 through a 3 ms element: 1.0039999999999998 in floats.
  const one = [
    pathElement({ latencySeconds: 0.003 }),
    pathElement({ changes: outage(1, 1.004) }),
  ];
  assert.equal(countFates(stream, one).lostPackets, 4); // 997 .. 1000
  assert.equal(simulatePackets(stream, one).counts.lostPackets, 4);
  // Negative control: an outage to 4.0000000001 takes packet 3997 too.
  const longer = [
    ...path.slice(0, 2),
    pathElement({ changes: outage(3.9, 4.0000000001) }),
  ];
  assert.equal(countFates(stream, longer).lostPackets, 101);
  assert.equal(simulatePackets(stream, longer).counts.lostPackets, 101);
});

Deno.test("item 1: exact boundaries for buffers, releases and explicit send times, in both engines", () => {
  // 0.1 + k / 10 for k = 9 is exactly 1: a change at 1 applies to it.
  const s = cbrStream({
    packetsPerSecond: 10,
    startSeconds: 0.1,
    endSeconds: 2,
  });
  assert.equal(countBefore(s, 1), 9);
  const hold = [pathElement({ changes: outage(1, 1.5, "buffer") })];
  for (const c of [countFates(s, hold), simulatePackets(s, hold).counts]) {
    assert.equal(c.heldPackets, 5); // 1.0, 1.1, 1.2, 1.3, 1.4
    assert.equal(c.delay.maxSeconds, 0.5);
    assert.equal(c.delay.minSeconds, 0.1);
  }
  // Explicit send times the user typed, plus a 0.003 s link, against 4.0.
  const sent = explicitStream([3.995, 3.996, 3.997, 3.998], {
    linkLatencySeconds: 0.003,
  });
  const cut = [pathElement({ changes: [{ atSeconds: 4, state: "drop" }] })];
  assert.equal(countFates(sent, cut).lostPackets, 2);
  assert.equal(simulatePackets(sent, cut).counts.lostPackets, 2);
});

Deno.test("item 7: counts above 2^53 are rejected with an error naming the limit, never a hang", () => {
  const huge = cbrStream({ packetsPerSecond: 1e16 });
  assert.throws(() => packetCount(huge), /2\^53 - 1 = 9007199254740991/);
  assert.throws(
    () => countFates(huge, [pathElement()]),
    /above the exact-count limit 2\^53 - 1/,
  );
  assert.throws(
    () =>
      countBefore(cbrStream({ packetsPerSecond: 1e16, endSeconds: 2 }), 1.5),
    /2\^53 - 1/,
  );
  // Just below the limit: exact, and fast (a count, not a loop).
  const below = cbrStream({
    packetsPerSecond: 9e15,
    endSeconds: 1,
  });
  assert.equal(packetCount(below), 9e15);
  assert.equal(countFates(below, [pathElement()]).deliveredPackets, 9e15);
  // By count: the limit on the field itself.
  assert.throws(
    () => cbrStream({ packets: 2 ** 53 }),
    /packets must be an integer in \[0, /,
  );
  // The Xen model counts its stream through the engine: the same error.
  assert.throws(
    () => xenStandardMigration({ packetsPerSecond: 1e16 }),
    /above the exact-count limit 2\^53 - 1/,
  );
  // A Poisson stream is sampled packet by packet: a bound, named.
  assert.throws(
    () =>
      countFates(poissonStream({ packetsPerSecond: 1e16 }), [pathElement()]),
    /packetsPerSecond x duration must be in \[0, 1000000000\]/,
  );
});
