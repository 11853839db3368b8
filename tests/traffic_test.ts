import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countFates,
  expectedFates,
  explicitStream,
  outage,
  packetCount,
  packetsBetween,
  type PathElement,
  pathElement,
  poissonStream,
  simulatePackets,
  type StateChange,
  streamTimesSeconds,
} from "../src/traffic/mod.ts";

Deno.test("CBR packet count is exact at awkward rates", () => {
  assert.equal(
    packetCount(cbrStream({ packetsPerSecond: 3, endSeconds: 1 })),
    3,
  );
  assert.equal(
    packetCount(cbrStream({ packetsPerSecond: 0.1, endSeconds: 10 })),
    1,
  );
  assert.equal(
    packetCount(cbrStream({ packetsPerSecond: 1e9, endSeconds: 1 })),
    1_000_000_000,
  );
  // 0.1 + k/10 hits 1.0 exactly or not: the count must match the formula.
  const s = cbrStream({
    packetsPerSecond: 10,
    startSeconds: 0.1,
    endSeconds: 1,
  });
  let k = 0;
  while (s.startSeconds + k / 10 < 1) k++;
  assert.equal(packetCount(s), k);
});

Deno.test("an outage loses exactly rate x duration packets", () => {
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 3 });
  const vm = pathElement({ name: "vm", changes: outage(1, 1.5) });
  const counts = countFates(stream, [vm]);
  assert.equal(counts.sentPackets, 3000);
  assert.equal(counts.lostPackets, 500);
  assert.equal(counts.deliveredPackets, 2500);
  assert.deepEqual(counts.losses, [{
    elementIndex: 0,
    element: "vm",
    cause: "drop",
    packets: 500,
  }]);
  assert.equal(packetsBetween(stream, 1, 1.5), 500);
});

Deno.test("a buffer delays instead of losing, and overflows at capacity", () => {
  const stream = cbrStream({
    packetsPerSecond: 100,
    endSeconds: 2,
    packetSizeBytes: 100,
  });
  const dom0 = pathElement({ changes: outage(1, 1.5, "buffer") });
  const a = countFates(stream, [dom0]);
  assert.equal(a.lostPackets, 0);
  assert.equal(a.heldPackets, 50);
  // First held packet at 1.0 waits 0.5 s; last at 1.49 waits 0.01 s.
  assert.ok(Math.abs(a.delay.maxSeconds - 0.5) < 1e-12);
  assert.ok(Math.abs(a.delay.minSeconds - 0.01) < 1e-9);
  assert.ok(Math.abs(a.delay.meanSeconds - 0.255) < 1e-9);
  const small = pathElement({
    changes: outage(1, 1.5, "buffer"),
    bufferCapacityBytes: 2000,
  });
  const b = countFates(stream, [small]);
  assert.equal(b.heldPackets, 20);
  assert.deepEqual(b.losses.map((l) => [l.cause, l.packets]), [[
    "overflow",
    30,
  ]]);
  // Buffer then drop: the held packets are flushed.
  const flush = pathElement({
    changes: [{ atSeconds: 1, state: "buffer" }, {
      atSeconds: 1.2,
      state: "drop",
    }],
  });
  const c = countFates(stream, [flush]);
  assert.equal(c.lostPackets, 100);
  assert.deepEqual(c.losses.map((l) => [l.cause, l.packets]), [["drop", 80], [
    "flush",
    20,
  ]]);
  // Never released: stranded, not lost and not delivered.
  const never = pathElement({ changes: [{ atSeconds: 1, state: "buffer" }] });
  const d = countFates(stream, [never]);
  assert.equal(d.strandedPackets, 100);
  assert.equal(
    d.deliveredPackets + d.lostPackets + d.strandedPackets,
    d.sentPackets,
  );
});

Deno.test("latency shifts which packets meet an outage downstream", () => {
  const stream = cbrStream({ packetsPerSecond: 10, endSeconds: 2 });
  const path = [
    pathElement({ latencySeconds: 0.25 }),
    pathElement({ changes: outage(1, 1.3) }),
  ];
  // Packets reach the second element at k/10 + 0.25: those in [1, 1.3) are
  // sent at 0.8, 0.9, 1.0 (arriving 1.05, 1.15, 1.25) and 0.75 is not sent.
  assert.equal(countFates(stream, path).lostPackets, 3);
});

// Random scenarios: a few elements, each with random latency, states,
// capacities (per element and per interval), held-packet actions, and a
// server (forwarding capacity, link rate, bounded queue); CBR at random
// rates, by end time or by count, with a sender's link. Latencies, rates and
// change times are short decimals, so packets land exactly on changes and on
// one another: the boundary cases. The two engines must agree exactly:
// counts and delays, the whole result.
const stateArb = fc.constantFrom(
  "forward" as const,
  "drop" as const,
  "buffer" as const,
);
const changeArb = fc.record({
  atSeconds: fc.oneof(
    fc.double({ min: -0.5, max: 3, noNaN: true }),
    fc.integer({ min: -50, max: 300 }).map((k) => k / 100),
    fc.integer({ min: -500, max: 3000 }).map((k) => k / 1000),
  ),
  state: stateArb,
  held: fc.constantFrom(
    undefined,
    undefined,
    "release" as const,
    "flush" as const,
  ),
  bufferCapacityPackets: fc.constantFrom(undefined, undefined, 0, 1, 3, 20),
  forwardingPacketsPerSecond: fc.constantFrom(
    undefined,
    undefined,
    undefined,
    40,
    700,
  ),
});
const elementArb = fc.record({
  latencySeconds: fc.constantFrom(0, 0.001, 0.003, 0.0137, 0.25),
  initialState: stateArb,
  changes: fc.array(changeArb, { maxLength: 6 }),
  capacity: fc.constantFrom(Infinity, 0, 1, 7, 50),
  capacityBytes: fc.constantFrom(Infinity, Infinity, 640),
  forwarding: fc.constantFrom(Infinity, Infinity, Infinity, 50, 500, 1000),
  link: fc.constantFrom(Infinity, Infinity, 51_200, 512_000),
  queue: fc.constantFrom(Infinity, 0, 1, 5, 40),
});
type ElementSpec = typeof elementArb extends fc.Arbitrary<infer T> ? T : never;
const scenarioArb = fc.record({
  packetsPerSecond: fc.constantFrom(1, 3, 10, 97, 250, 1000, 1234.5),
  startSeconds: fc.constantFrom(0, 0.1, 0.33),
  durationSeconds: fc.constantFrom(0, 0.5, 2),
  byCount: fc.boolean(),
  linkLatencySeconds: fc.constantFrom(0, 0.003),
  elements: fc.array(elementArb, { minLength: 1, maxLength: 4 }),
});

function buildPath(elements: ElementSpec[]): PathElement[] {
  return elements.map((e, i) => {
    const changes: StateChange[] = [...e.changes]
      .sort((a, b) => a.atSeconds - b.atSeconds)
      .map((c) => {
        const out: Record<string, unknown> = {
          atSeconds: c.atSeconds,
          state: c.state,
        };
        if (c.held) out.held = c.held;
        if (c.bufferCapacityPackets !== undefined) {
          out.bufferCapacityPackets = c.bufferCapacityPackets;
        }
        if (c.forwardingPacketsPerSecond !== undefined) {
          out.forwardingPacketsPerSecond = c.forwardingPacketsPerSecond;
        }
        return out as unknown as StateChange;
      });
    return pathElement({
      name: `e${i}`,
      latencySeconds: e.latencySeconds,
      initialState: e.initialState,
      changes,
      bufferCapacityPackets: e.capacity,
      bufferCapacityBytes: e.capacityBytes,
      forwardingPacketsPerSecond: e.forwarding,
      linkBitsPerSecond: e.link,
      queueCapacityPackets: e.queue,
    });
  });
}

function scenarioStream(
  sc: typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never,
) {
  return sc.byCount
    ? cbrStream({
      packetsPerSecond: sc.packetsPerSecond,
      startSeconds: sc.startSeconds,
      packets: Math.round(sc.durationSeconds * sc.packetsPerSecond),
      linkLatencySeconds: sc.linkLatencySeconds,
    })
    : cbrStream({
      packetsPerSecond: sc.packetsPerSecond,
      startSeconds: sc.startSeconds,
      endSeconds: sc.startSeconds + sc.durationSeconds,
      linkLatencySeconds: sc.linkLatencySeconds,
    });
}

Deno.test("property: interval counting equals per-packet simulation on CBR, counts and delays, boundaries, bursts, capacities and queues included", () => {
  let held = 0;
  let queued = 0;
  let multiHeld = 0;
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const stream = scenarioStream(sc);
      const path = buildPath(sc.elements);
      const exact = countFates(stream, path);
      const sim = simulatePackets(stream, path).counts;
      assert.deepEqual(exact, sim);
      // Conservation: every packet has exactly one fate.
      assert.equal(
        exact.deliveredPackets + exact.lostPackets + exact.strandedPackets,
        exact.sentPackets,
      );
      if (exact.heldPackets > 0) held++;
      if (exact.queuedPackets > 0) queued++;
      if (exact.bufferPeaks.length > 1 && exact.heldPackets > 0) multiHeld++;
    }),
    { numRuns: 1000, seed: 20261122 },
  );
  // The generator reaches the hard cases, not only the easy ones.
  assert.ok(
    held > 30 && queued > 30 && multiHeld > 1,
    `${held} ${queued} ${multiHeld}`,
  );
});

Deno.test("property: a burst released by one buffer into another that is full or too small (multi-buffer bursts): the engines agree, delays included", () => {
  let split = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(10, 20, 97, 100),
      fc.integer({ min: 0, max: 20 }).map((k) => k / 10),
      fc.integer({ min: 1, max: 10 }).map((k) => k / 10),
      fc.integer({ min: 0, max: 25 }).map((k) => k / 10),
      fc.integer({ min: 1, max: 10 }).map((k) => k / 10),
      fc.constantFrom(0, 1, 2, 5, Infinity),
      fc.constantFrom(0, 0.1, 0.05),
      fc.constantFrom(Infinity, 15, 200),
      (rate, a, aLength, b, bLength, capacity, latency, forwarding) => {
        const stream = cbrStream({ packetsPerSecond: rate, endSeconds: 3 });
        const path = [
          pathElement({
            latencySeconds: latency,
            changes: outage(a, a + aLength, "buffer"),
          }),
          pathElement({
            changes: outage(b, b + bLength, "buffer"),
            bufferCapacityPackets: capacity,
            forwardingPacketsPerSecond: forwarding,
            queueCapacityPackets: 3,
          }),
        ];
        const exact = countFates(stream, path);
        assert.deepEqual(exact, simulatePackets(stream, path).counts);
        if (
          exact.losses.some((l) =>
            l.elementIndex === 1 && l.cause === "overflow"
          ) &&
          exact.heldPackets > 0
        ) split++;
      },
    ),
    { numRuns: 400, seed: 3 },
  );
  assert.ok(split > 20, `${split}`);
});

Deno.test("property: the engines agree on sampled Poisson streams and explicit send times too", () => {
  fc.assert(
    fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (sc, seed) => {
      const stream = poissonStream({
        packetsPerSecond: Math.min(sc.packetsPerSecond, 200),
        endSeconds: sc.durationSeconds,
        seed,
        linkLatencySeconds: sc.linkLatencySeconds,
      });
      const path = buildPath(sc.elements);
      const exact = countFates(stream, path);
      assert.deepEqual(exact, simulatePackets(stream, path).counts);
      // The same send times given explicitly: the same fates.
      const explicit = explicitStream(streamTimesSeconds(stream), {
        linkLatencySeconds: sc.linkLatencySeconds,
      });
      assert.deepEqual(countFates(explicit, path), exact);
    }),
    { numRuns: 200, seed: 7 },
  );
});

Deno.test("property: several streams sharing a path (its buffers and queues) agree in both engines, and a stream alone is its own share", () => {
  fc.assert(
    fc.property(
      scenarioArb,
      fc.constantFrom(10, 97, 250),
      fc.constantFrom(64, 100, 300),
      (sc, rate2, size2) => {
        const a = scenarioStream(sc);
        const b = cbrStream({
          packetsPerSecond: rate2,
          packetSizeBytes: size2,
          startSeconds: 0.05,
          endSeconds: 1.5,
        });
        const path = buildPath(sc.elements);
        const both = countFates([a, b], path);
        assert.deepEqual(both, simulatePackets([a, b], path).counts);
        assert.equal(both.byStream!.length, 2);
        assert.equal(
          both.sentPackets,
          both.byStream![0].sentPackets + both.byStream![1].sentPackets,
        );
        // Alone, in a list of one: the single-stream result.
        const alone = countFates([a], path);
        assert.deepEqual({ ...alone, byStream: undefined }, {
          ...countFates(a, path),
          byStream: undefined,
        });
      },
    ),
    { numRuns: 200, seed: 11 },
  );
});

Deno.test("Poisson: the mean over seeds matches the expected value", () => {
  const path = [
    pathElement({
      latencySeconds: 0.01,
      changes: outage(0.4, 0.6, "buffer"),
      bufferCapacityPackets: 30,
    }),
    pathElement({ changes: outage(0.8, 1.1) }),
  ];
  const expected = expectedFates(
    poissonStream({ packetsPerSecond: 200, endSeconds: 2 }),
    path,
  );
  const runs = 400;
  let lost = 0;
  let held = 0;
  let delivered = 0;
  for (let seed = 0; seed < runs; seed++) {
    const c = countFates(
      poissonStream({ packetsPerSecond: 200, endSeconds: 2, seed }),
      path,
    );
    lost += c.lostPackets / runs;
    held += c.heldPackets / runs;
    delivered += c.deliveredPackets / runs;
  }
  // Standard error of a mean of 400 runs of counts ~ sqrt(60)/20 ~ 0.4.
  assert.ok(
    Math.abs(lost - expected.lostPackets) < 2,
    `${lost} vs ${expected.lostPackets}`,
  );
  assert.ok(
    Math.abs(held - expected.heldPackets) < 2,
    `${held} vs ${expected.heldPackets}`,
  );
  assert.ok(Math.abs(delivered - expected.deliveredPackets) < 3);
  // 60 expected in the buffer window (0.4..0.6 s plus 0.01 s latency shift), capped at 30.
  assert.ok(expected.heldPackets < 30 && expected.heldPackets > 29);
});

Deno.test("per-packet records tell each packet's fate", () => {
  const stream = cbrStream({ packetsPerSecond: 10, endSeconds: 1 });
  const path = [
    pathElement({ latencySeconds: 0.05, changes: outage(0.3, 0.5, "buffer") }),
    pathElement({ changes: outage(0.7, 0.8) }),
  ];
  const { packets, counts } = simulatePackets(stream, path, {
    recordPackets: true,
  });
  assert.ok(packets);
  assert.deepEqual(Array.from(packets.fate), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  // Packets 3 and 4 (sent 0.3, 0.4) are held until 0.5 and arrive at 0.55.
  assert.equal(packets.deliverySeconds[3], 0.55);
  assert.ok(Math.abs(packets.heldSeconds[3] - 0.2) < 1e-12);
  assert.equal(packets.deliverySeconds[5], 0.55);
  assert.equal(packets.deliverySeconds[7], -1);
  // Packet 7 reaches the second element at 0.75, inside its outage.
  assert.equal(counts.lostPackets, 1);
});

Deno.test("bad input names the parameter, the value and the range", () => {
  assert.throws(
    () => cbrStream({ packetsPerSecond: -1 }),
    /packetsPerSecond must be .*\(0, \+inf\); got -1/,
  );
  assert.throws(
    () => cbrStream({ packetsPerSecond: NaN }),
    /packetsPerSecond .* got NaN/,
  );
  assert.throws(
    () => cbrStream({ endSeconds: Infinity }),
    /endSeconds must be a finite number; got Infinity/,
  );
  assert.throws(
    () => cbrStream({ startSeconds: 2, endSeconds: 1 }),
    /endSeconds must be in \[startSeconds = 2, \+inf\); got 1/,
  );
  assert.throws(
    () =>
      pathElement({
        changes: [{ atSeconds: 2, state: "drop" }, {
          atSeconds: 1,
          state: "forward",
        }],
      }),
    /changes\[1\]\.atSeconds must be in \[2, \+inf\) .*got 1/,
  );
  assert.throws(
    () => pathElement({ latencySeconds: -0.1 }),
    /latencySeconds must be .*\[0, \+inf\); got -0.1/,
  );
  assert.throws(
    () => pathElement({ bufferCapacityPackets: 1.5 }),
    /bufferCapacityPackets .* got 1.5/,
  );
  assert.throws(
    () => countFates(cbrStream(), []),
    /path must hold at least 1 element; got 0/,
  );
  assert.throws(
    () => pathElement({ initialState: "melt" as "drop" }),
    /initialState must be one of "forward", "drop", "buffer"; got "melt"/,
  );
});
