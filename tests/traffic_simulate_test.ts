// Issue 11, item 10: the per-packet simulator on the realistic shape
// (client -> router -> server, 1 ms links, 100,000 packets/s), one FIFO per
// element: exact at boundaries, the same counts and delays as the interval
// counter, one event per packet and element. (Its speed is measured by
// `deno task bench`, not asserted here.)
import assert from "node:assert/strict";
import {
  cbrStream,
  countFates,
  outage,
  pathElement,
  simulatePackets,
} from "../src/traffic/mod.ts";

Deno.test("item 10: the realistic shape, with an outage whose edges are packet arrival instants, exactly", () => {
  const stream = cbrStream({ packetsPerSecond: 100_000, endSeconds: 10 });
  // Packet 100,000 reaches the server at exactly 1.002 s (floats say
  // 1.0019999999999998).
  assert.ok(100_000 / 100_000 + 0.001 + 0.001 < 1.002);
  const path = [
    pathElement({ name: "client", latencySeconds: 0.001 }),
    pathElement({ name: "router", latencySeconds: 0.001 }),
    pathElement({ name: "server", changes: outage(1.002, 2.002) }),
  ];
  const sim = simulatePackets(stream, path);
  assert.equal(sim.counts.lostPackets, 100_000);
  assert.deepEqual(sim.counts, countFates(stream, path));
  // One event per packet per element, plus the two changes.
  assert.equal(sim.events, 3 * 1_000_000 + 2);
  assert.deepEqual(sim.counts.endToEnd, {
    packets: 900_000,
    minSeconds: 0.002,
    maxSeconds: 0.002,
    meanSeconds: 0.002,
  });
});

Deno.test("item 10: records of every packet on the realistic shape with a buffered router: exact delivery times and delays", () => {
  const stream = cbrStream({ packetsPerSecond: 100_000, endSeconds: 0.1 });
  const path = [
    pathElement({ name: "client", latencySeconds: 0.001 }),
    pathElement({
      name: "router",
      latencySeconds: 0.001,
      changes: outage(0.05, 0.06, "buffer"),
    }),
    pathElement({ name: "server" }),
  ];
  const { counts, packets } = simulatePackets(stream, path, {
    recordPackets: true,
  });
  assert.deepEqual(counts, countFates(stream, path));
  assert.ok(packets);
  // Packet 4900 reaches the router at exactly 0.05: held until 0.06.
  assert.equal(packets.heldSeconds[4899], 0);
  assert.equal(packets.heldSeconds[4900], 0.01);
  assert.equal(packets.deliverySeconds[4900], 0.061);
  assert.equal(packets.endToEndSeconds[4900], 0.012);
  assert.equal(counts.heldPackets, 1000);
});
