// Issue 11, item 8: link rates and forwarding capacity with bounded FIFO
// queues: load above capacity queues, then drops, counted exactly (busy
// periods in the interval counter, packet by packet in the simulator), and
// the two agree; a router VM's forwarding capacity, lower while dirty
// logging runs, as a per-interval parameter.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countFates,
  outage,
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

Deno.test("item 8: a link's rate serialises packets; below it nothing waits, above it the queue fills and drops", () => {
  // 1500-byte packets on 100 Mbit/s: 120 us each, 8333.3 packets/s.
  const link = (queue: number) => [
    pathElement({ linkBitsPerSecond: 1e8, queueCapacityPackets: queue }),
  ];
  const slow = cbrStream({
    packetsPerSecond: 8000,
    packetSizeBytes: 1500,
    endSeconds: 1,
  });
  const fine = both(slow, link(1000));
  assert.equal(fine.lostPackets, 0);
  assert.equal(fine.queuedPackets, 0);
  assert.deepEqual(fine.endToEnd, {
    packets: 8000,
    minSeconds: 0.00012,
    maxSeconds: 0.00012,
    meanSeconds: 0.00012,
  });
  // 10,000/s: one busy period; 1,667 excess a second, queue of 1000.
  const fast = cbrStream({
    packetsPerSecond: 10_000,
    packetSizeBytes: 1500,
    endSeconds: 1,
  });
  const full = both(fast, link(1000));
  // Admitted: one per departure before the last arrival (8332 departures,
  // 120 us apart, by 0.9999 s), plus the 1001 then in the system.
  assert.equal(full.deliveredPackets, 8332 + 1001);
  assert.equal(full.lostPackets, 10_000 - full.deliveredPackets);
  assert.deepEqual(full.losses.map((l) => l.cause), ["queue"]);
  // Negative control: an unbounded queue loses nothing, delays grow.
  const unbounded = both(fast, link(Infinity));
  assert.equal(unbounded.lostPackets, 0);
  assert.ok(unbounded.maxDelaySeconds > full.maxDelaySeconds);
});

Deno.test("item 8: no waiting room: a server at 8000/s offered 10,000/s takes every second packet (the ones that find it idle)", () => {
  const c = both(
    cbrStream({ packetsPerSecond: 10_000, endSeconds: 1 }),
    [pathElement({
      forwardingPacketsPerSecond: 8000,
      queueCapacityPackets: 0,
    })],
  );
  assert.equal(c.deliveredPackets, 5000);
  assert.equal(c.queuedPackets, 0);
});

Deno.test("item 8: a router VM that forwards 12,000 packets/s normally and 9,000 while dirty logging runs, offered 10,000: the extra loss is the excess over the pre-copy less its queue", () => {
  const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 40 });
  const vm = (loggingCapacity: number) =>
    pathElement({
      name: "router VM",
      latencySeconds: 0.0001,
      forwardingPacketsPerSecond: 12_000,
      queueCapacityPackets: 256,
      changes: [
        // Dirty logging from the trigger (2 s) to suspension (32 s).
        {
          atSeconds: 2,
          state: "forward",
          forwardingPacketsPerSecond: loggingCapacity,
        },
        { atSeconds: 32, state: "drop" },
        { atSeconds: 32.4, state: "forward" },
      ],
    });
  const slowed = both(stream, [vm(9000)]);
  const normal = both(stream, [vm(12_000)]);
  assert.equal(normal.losses.filter((l) => l.cause === "queue").length, 0);
  const extra = slowed.losses.find((l) => l.cause === "queue")!.packets;
  // 1000/s excess for 30 s, less the 257 the queue and server hold.
  assert.ok(Math.abs(extra - (30_000 - 257)) <= 2, `${extra}`);
  // The outage itself: 4000 packets either way.
  assert.equal(
    slowed.losses.find((l) => l.cause === "drop")!.packets,
    normal.losses.find((l) => l.cause === "drop")!.packets,
  );
});

Deno.test("item 8: a saturated queue's output crosses later elements, changes and buffers exactly (busy periods kept whole)", () => {
  const stream = cbrStream({ packetsPerSecond: 1234.5, endSeconds: 4 });
  const path = [
    pathElement({
      forwardingPacketsPerSecond: 1000,
      queueCapacityPackets: 17,
      latencySeconds: 0.001,
    }),
    pathElement({ changes: outage(1.5, 1.75) }),
    pathElement({ changes: outage(2, 2.5, "buffer"), latencySeconds: 0.002 }),
    pathElement({ linkBitsPerSecond: 600_000 }), // 512 bits: 1171.9/s
  ];
  const c = both(stream, path);
  assert.ok(c.queuedPackets > 1000 && c.heldPackets > 100);
  assert.equal(
    c.deliveredPackets + c.lostPackets + c.strandedPackets,
    c.sentPackets,
  );
});

Deno.test("property: servers, queues and rates of every kind agree in both engines (overload, bursts into queues, capacity changes, shared streams)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(50, 97, 400, 1000, 1234.5),
      fc.constantFrom(30, 90, 500, 900, 2000),
      fc.constantFrom(0, 1, 2, 17, Infinity),
      fc.constantFrom(Infinity, 51_200, 512_000),
      fc.integer({ min: 0, max: 20 }).map((k) => k / 10),
      fc.integer({ min: 1, max: 10 }).map((k) => k / 10),
      fc.constantFrom(undefined, 100, 5000),
      fc.boolean(),
      (rate, mu, queue, link, at, length, mu2, shared) => {
        const streams = [cbrStream({ packetsPerSecond: rate, endSeconds: 2 })];
        if (shared) {
          streams.push(cbrStream({
            packetsPerSecond: 37,
            packetSizeBytes: 200,
            startSeconds: 0.01,
            endSeconds: 2,
          }));
        }
        const path = [
          pathElement({ changes: outage(at, at + length, "buffer") }),
          pathElement({
            forwardingPacketsPerSecond: mu,
            linkBitsPerSecond: link,
            queueCapacityPackets: queue,
            changes: mu2 === undefined ? [] : [{
              atSeconds: at + length / 2,
              state: "forward",
              forwardingPacketsPerSecond: mu2,
            }],
          }),
        ];
        both(shared ? streams : streams[0], path);
      },
    ),
    { numRuns: 300, seed: 8 },
  );
});
