import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countFates,
  expectedFates,
  outage,
  packetCount,
  packetsBetween,
  type PathElement,
  pathElement,
  poissonStream,
  simulatePackets,
  type StateChange,
} from "../mod.ts";

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

// Random scenarios: a few elements, each with random latency, states and
// capacity; CBR at random rates. The two engines must agree exactly.
const stateArb = fc.constantFrom(
  "forward" as const,
  "drop" as const,
  "buffer" as const,
);
const elementArb = fc.record({
  latencySeconds: fc.constantFrom(0, 0.001, 0.0137, 0.25),
  initialState: stateArb,
  times: fc.array(fc.double({ min: -0.5, max: 3, noNaN: true }), {
    maxLength: 6,
  }),
  states: fc.array(stateArb, { minLength: 6, maxLength: 6 }),
  capacity: fc.constantFrom(Infinity, 0, 1, 7, 50),
});
type ElementSpec = typeof elementArb extends fc.Arbitrary<infer T> ? T : never;
const scenarioArb = fc.record({
  packetsPerSecond: fc.constantFrom(1, 3, 10, 97, 1000, 1234.5),
  startSeconds: fc.constantFrom(0, 0.1, 0.33),
  durationSeconds: fc.constantFrom(0, 0.5, 2),
  elements: fc.array(elementArb, { minLength: 1, maxLength: 4 }),
});

function buildPath(
  elements: ElementSpec[],
): PathElement[] {
  return elements.map((e, i) => {
    const times = [...e.times].sort((a, b) => a - b);
    // Half the changes land exactly on packet times, the hard case.
    const changes: StateChange[] = times.map((t, j) => ({
      atSeconds: j % 2 === 0 ? Math.round(t * 10) / 10 : t,
      state: e.states[j],
    })).sort((a, b) => a.atSeconds - b.atSeconds);
    return pathElement({
      name: `e${i}`,
      latencySeconds: e.latencySeconds,
      initialState: e.initialState,
      changes,
      bufferCapacityPackets: e.capacity,
    });
  });
}

Deno.test("property: interval counting equals per-packet simulation on CBR", () => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const stream = cbrStream({
        packetsPerSecond: sc.packetsPerSecond,
        startSeconds: sc.startSeconds,
        endSeconds: sc.startSeconds + sc.durationSeconds,
        packetSizeBytes: 64,
      });
      const path = buildPath(sc.elements);
      const exact = countFates(stream, path);
      const sim = simulatePackets(stream, path).counts;
      assert.equal(exact.sentPackets, sim.sentPackets);
      assert.equal(exact.deliveredPackets, sim.deliveredPackets);
      assert.equal(exact.heldPackets, sim.heldPackets);
      assert.equal(exact.strandedPackets, sim.strandedPackets);
      assert.deepEqual(exact.losses, sim.losses);
      // Conservation: every packet has exactly one fate.
      assert.equal(
        exact.deliveredPackets + exact.lostPackets + exact.strandedPackets,
        exact.sentPackets,
      );
      assert.ok(
        Math.abs(exact.delay.meanSeconds - sim.delay.meanSeconds) < 1e-9,
      );
      assert.ok(Math.abs(exact.delay.maxSeconds - sim.delay.maxSeconds) < 1e-9);
      assert.ok(Math.abs(exact.delay.minSeconds - sim.delay.minSeconds) < 1e-9);
    }),
    { numRuns: 400, seed: 20261122 },
  );
});

Deno.test("property: the engines agree on sampled Poisson streams too", () => {
  fc.assert(
    fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (sc, seed) => {
      const stream = poissonStream({
        packetsPerSecond: Math.min(sc.packetsPerSecond, 200),
        endSeconds: sc.durationSeconds,
        seed,
      });
      const path = buildPath(sc.elements);
      const exact = countFates(stream, path);
      const sim = simulatePackets(stream, path).counts;
      assert.deepEqual(
        [
          exact.deliveredPackets,
          exact.lostPackets,
          exact.heldPackets,
          exact.strandedPackets,
        ],
        [
          sim.deliveredPackets,
          sim.lostPackets,
          sim.heldPackets,
          sim.strandedPackets,
        ],
      );
    }),
    { numRuns: 150, seed: 7 },
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
