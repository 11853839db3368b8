// Issue 11, items 2 and 3: delay statistics of bursts that a second buffer
// splits, and the end-to-end and extra delays users expect, in both
// engines, exact.
import assert from "node:assert/strict";
import {
  cbrStream,
  countFates,
  outage,
  pathElement,
  simulatePackets,
} from "../src/traffic/mod.ts";

Deno.test("item 2: a full buffer keeps the head of a released burst, the packets held longest: their delays, not the burst's average", () => {
  const stream = cbrStream({ packetsPerSecond: 10, endSeconds: 3 });
  const twoBuffers = (capacity: number) => [
    pathElement({ changes: outage(0, 1, "buffer") }),
    pathElement({
      changes: outage(1, 2, "buffer"),
      bufferCapacityPackets: capacity,
    }),
  ];
  // Capacity 2: the burst of 10 (sent 0.0 .. 0.9, released at 1) reaches the
  // second buffer at 1; it keeps packets 0 and 1, held 2 s and 1.9 s.
  for (
    const c of [
      countFates(stream, twoBuffers(2)),
      simulatePackets(stream, twoBuffers(2)).counts,
    ]
  ) {
    assert.equal(c.heldPackets, 2);
    assert.deepEqual(c.delay, {
      packets: 2,
      minSeconds: 1.9,
      maxSeconds: 2,
      meanSeconds: 1.95,
    });
  }
  // Capacity 1: only packet 0, held 2 s.
  for (
    const c of [
      countFates(stream, twoBuffers(1)),
      simulatePackets(stream, twoBuffers(1)).counts,
    ]
  ) {
    assert.deepEqual(c.delay, {
      packets: 1,
      minSeconds: 2,
      maxSeconds: 2,
      meanSeconds: 2,
    });
  }
  // Negative control: with room for the whole burst, its own spread shows.
  const roomy = countFates(stream, twoBuffers(100)).delay;
  assert.equal(roomy.maxSeconds, 2);
  assert.ok(roomy.minSeconds < 1.9);
});

Deno.test("item 2: a burst split by a second buffer's capacity, then released into a third: the packets kept carry their own delays", () => {
  const stream = cbrStream({ packetsPerSecond: 20, endSeconds: 4 });
  const path = [
    pathElement({ changes: outage(0.5, 1, "buffer") }),
    pathElement({
      changes: outage(0.8, 1.5, "buffer"),
      bufferCapacityPackets: 4,
    }),
    pathElement({ changes: outage(1.2, 2, "buffer") }),
  ];
  const exact = countFates(stream, path);
  assert.deepEqual(exact, simulatePackets(stream, path).counts);
  // Second buffer: 0.8 .. 1 gets nothing (the first holds); at 1 the burst
  // of 10 (sent 0.5 .. 0.95) arrives: it keeps 0.5, 0.55, 0.6, 0.65, until
  // 1.5; then they are held again from 1.5 to 2 by the third.
  assert.equal(exact.delay.maxSeconds, 1.5); // sent 0.5, delivered at 2
  assert.equal(exact.delay.minSeconds, 0.05); // sent 1.95, held until 2
});

Deno.test("item 3: end-to-end delay (send to arrival) over every delivered packet and extra delay over the delayed ones, in both engines", () => {
  const stream = cbrStream({
    packetsPerSecond: 1000,
    endSeconds: 2,
    linkLatencySeconds: 0.002,
  });
  const path = [
    pathElement({ name: "router", latencySeconds: 0.001 }),
    pathElement({
      name: "Domain 0",
      latencySeconds: 0.0005,
      changes: outage(1, 1.25, "buffer"),
    }),
  ];
  for (
    const c of [
      countFates(stream, path),
      simulatePackets(stream, path).counts,
    ]
  ) {
    // Base delay 3.5 ms; packets reaching Domain 0 in [1, 1.25) wait.
    assert.equal(c.endToEnd.packets, 2000);
    assert.equal(c.endToEnd.minSeconds, 0.0035);
    assert.equal(c.endToEnd.maxSeconds, 0.2535);
    assert.equal(c.heldPackets, 250);
    assert.equal(c.delayedPackets, 250);
    assert.deepEqual(c.extraDelay, c.delay);
    assert.equal(c.maxDelaySeconds, 0.25);
    assert.equal(c.meanDelaySeconds, 0.1255);
    // Mean end to end: 3.5 ms for all, plus the held packets' waits.
    assert.equal(c.endToEnd.meanSeconds, 0.0035 + 250 * 0.1255 / 2000);
  }
});

Deno.test("item 3: queueing delay counts as extra delay; a packet that finds the server idle is not delayed", () => {
  // 1000 packets/s of 1250 bytes on a 10 Mbit/s link: 1 ms each, back to
  // back; a burst of 50 released at 1 s waits in the queue.
  const stream = cbrStream({
    packetsPerSecond: 1000,
    packetSizeBytes: 1250,
    endSeconds: 2,
  });
  const path = [
    pathElement({ changes: outage(0.95, 1, "buffer") }),
    pathElement({ linkBitsPerSecond: 1e7 }),
  ];
  const c = countFates(stream, path);
  assert.deepEqual(c, simulatePackets(stream, path).counts);
  assert.equal(c.lostPackets, 0);
  assert.ok(c.queuedPackets > 50);
  assert.equal(c.endToEnd.minSeconds, 0.001);
  // Delayed: held or queued; the burst's first packet was held, then found
  // the server idle.
  assert.equal(c.delayedPackets, c.queuedPackets + 1);
  assert.equal(c.heldPackets, 50);
  // The k-th packet of the burst was held 50 - k ms and queued k ms; the
  // stream runs at exactly the link's rate, so every later packet keeps
  // the 50 ms backlog: every delayed packet is exactly 50 ms late.
  assert.deepEqual(c.delay, {
    packets: 50,
    minSeconds: 0.001,
    maxSeconds: 0.05,
    meanSeconds: 0.0255,
  });
  assert.deepEqual(c.extraDelay, {
    packets: 1050,
    minSeconds: 0.05,
    maxSeconds: 0.05,
    meanSeconds: 0.05,
  });
});
