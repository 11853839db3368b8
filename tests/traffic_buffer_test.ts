// Issue 11, items 4 and 5: buffer capacity per state interval, the explicit
// release or flush of held packets, streams by packet count, and a sender's
// link latency without a dummy element; several streams sharing a buffer.
import assert from "node:assert/strict";
import {
  cbrStream,
  countFates,
  outage,
  packetCount,
  type PathElement,
  pathElement,
  simulatePackets,
  type TrafficStream,
} from "../src/traffic/mod.ts";

function both(stream: TrafficStream | TrafficStream[], path: PathElement[]) {
  const exact = countFates(stream, path);
  assert.deepEqual(exact, simulatePackets(stream, path).counts);
  return exact;
}

Deno.test("item 4: a state change may carry its own buffer capacity: each interval buffers up to its own", () => {
  const stream = cbrStream({ packetsPerSecond: 100, endSeconds: 3 });
  // Two buffering episodes, 50 packets offered each: room for 10, then 30.
  const path = [pathElement({
    changes: [
      { atSeconds: 0.5, state: "buffer", bufferCapacityPackets: 10 },
      { atSeconds: 1, state: "forward" },
      { atSeconds: 2, state: "buffer", bufferCapacityPackets: 30 },
      { atSeconds: 2.5, state: "forward" },
    ],
    bufferCapacityPackets: 1,
  })];
  const c = both(stream, path);
  assert.equal(c.heldPackets, 40);
  assert.equal(c.lostPackets, 60);
  assert.deepEqual(c.bufferPeaks.map((b) => b.packets), [30]);
  // In bytes too, and a change that keeps holding while lowering the room:
  // nothing is evicted, new packets wait for room that never comes.
  const keep = [pathElement({
    changes: [
      { atSeconds: 0.5, state: "buffer", bufferCapacityBytes: 64 * 20 },
      { atSeconds: 0.6, state: "buffer", bufferCapacityPackets: 5 },
      { atSeconds: 1, state: "forward" },
    ],
  })];
  const k = both(stream, keep);
  assert.equal(k.heldPackets, 10); // 0.50 .. 0.59; then 10 > 5: no room
  assert.equal(k.lostPackets, 40);
  // Negative control: without the per-interval capacity, the element's.
  const plain = both(stream, [pathElement({
    changes: outage(0.5, 1, "buffer"),
    bufferCapacityPackets: 1,
  })]);
  assert.equal(plain.heldPackets, 1);
});

Deno.test("item 4: what a change does with held packets is explicit: release into drop, flush into forward, keep only into buffer", () => {
  const stream = cbrStream({ packetsPerSecond: 10, endSeconds: 3 });
  const at = (held?: "release" | "flush") => [pathElement({
    changes: [
      { atSeconds: 1, state: "buffer" },
      { atSeconds: 1.5, state: "drop", ...(held ? { held } : {}) },
      { atSeconds: 2, state: "forward" },
    ],
  })];
  // Default: buffer then drop flushes the 5 held packets.
  const flushed = both(stream, at());
  assert.deepEqual(flushed.losses.map((l) => [l.cause, l.packets]), [
    ["drop", 5],
    ["flush", 5],
  ]);
  // release: they leave at 1.5 (held 0.5 .. 0.1 s); only new arrivals drop.
  const released = both(stream, at("release"));
  assert.deepEqual(released.losses.map((l) => [l.cause, l.packets]), [
    ["drop", 5],
  ]);
  assert.equal(released.heldPackets, 5);
  assert.equal(released.delay.maxSeconds, 0.5);
  // flush into forward: held packets lost, later ones pass.
  const forwardFlush = both(stream, [pathElement({
    changes: [
      { atSeconds: 1, state: "buffer" },
      { atSeconds: 1.5, state: "forward", held: "flush" },
    ],
  })]);
  assert.deepEqual(forwardFlush.losses.map((l) => [l.cause, l.packets]), [
    ["flush", 5],
  ]);
  // release into buffer: a new episode starts empty.
  const again = both(stream, [pathElement({
    changes: [
      { atSeconds: 1, state: "buffer", bufferCapacityPackets: 3 },
      {
        atSeconds: 1.5,
        state: "buffer",
        held: "release",
        bufferCapacityPackets: 3,
      },
      { atSeconds: 2, state: "forward" },
    ],
  })]);
  assert.equal(again.heldPackets, 6); // 3 of 1.0 .. 1.4, 3 of 1.5 .. 1.9
  assert.throws(
    () =>
      pathElement({
        changes: [{ atSeconds: 1, state: "forward", held: "keep" }],
      }),
    /changes\[0\]\.held must be one of "release", "flush" when the new state is "forward"/,
  );
  assert.throws(
    () =>
      pathElement({
        changes: [{ atSeconds: 1, state: "buffer", held: "hold" as "keep" }],
      }),
    /held must be one of "release", "flush", "keep"; got "hold"/,
  );
});

Deno.test("item 5: a stream by packet count, and the sender's link latency without a dummy element", () => {
  const byCount = cbrStream({ packetsPerSecond: 1000, packets: 2500 });
  assert.equal(packetCount(byCount), 2500);
  assert.equal(byCount.endSeconds, 2.5);
  const c = both(byCount, [pathElement({ changes: outage(1, 1.5) })]);
  assert.equal(c.sentPackets, 2500);
  assert.equal(c.lostPackets, 500);
  // A count whose end time is not a float: still exactly that many.
  const odd = cbrStream({ packetsPerSecond: 3, packets: 10 });
  assert.equal(packetCount(odd), 10);
  assert.equal(both(odd, [pathElement()]).deliveredPackets, 10);
  // The sender's link: the same as a first element with that latency.
  const linked = cbrStream({
    packetsPerSecond: 97,
    endSeconds: 2,
    linkLatencySeconds: 0.0137,
  });
  const plain = cbrStream({ packetsPerSecond: 97, endSeconds: 2 });
  const router = pathElement({ changes: outage(0.5, 0.9, "buffer") });
  const a = both(linked, [router]);
  const b = both(plain, [
    pathElement({ name: "router", latencySeconds: 0.0137 }),
    router,
  ]);
  assert.deepEqual(
    { ...a, losses: [], bufferPeaks: [] },
    { ...b, losses: [], bufferPeaks: [] },
  );
  assert.equal(a.endToEnd.minSeconds, 0.0137);
  assert.throws(
    () => cbrStream({ packets: 10, endSeconds: 1 }),
    /give endSeconds or packets, not both/,
  );
  assert.throws(
    () => cbrStream({ linkLatencySeconds: -1 }),
    /linkLatencySeconds must be .*\[0, \+inf\); got -1/,
  );
  assert.throws(
    () => cbrStream({ endSecond: 2 } as never),
    /no option "endSecond"; did you mean "endSeconds"\?/,
  );
});

Deno.test("several streams share one buffer in arrival order (ties: stream order), by packets and by bytes", () => {
  // a: 100-byte packets at 10, 11, ...; b: 300-byte packets at the same times.
  const a = cbrStream({
    packetsPerSecond: 1,
    packetSizeBytes: 100,
    endSeconds: 20,
  });
  const b = cbrStream({
    packetsPerSecond: 1,
    packetSizeBytes: 300,
    endSeconds: 20,
  });
  const buffer = (capacity: Record<string, number>) => [
    pathElement({ changes: outage(10, 15, "buffer"), ...capacity }),
  ];
  const byPackets = both([a, b], buffer({ bufferCapacityPackets: 3 }));
  // a@10, b@10, a@11: a first at ties.
  assert.deepEqual(byPackets.byStream!.map((s) => s.heldPackets), [2, 1]);
  assert.equal(byPackets.lostPackets, 7);
  // 1000 bytes: a@10 b@10 a@11 b@11 a@12 (900), b@12 no room, a@13 (1000).
  const byBytes = both([a, b], buffer({ bufferCapacityBytes: 1000 }));
  assert.deepEqual(byBytes.byStream!.map((s) => s.heldPackets), [4, 2]);
  assert.deepEqual(byBytes.bufferPeaks, [{
    elementIndex: 0,
    element: "element",
    packets: 6,
    bytes: 1000,
  }]);
});
