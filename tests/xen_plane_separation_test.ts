import assert from "node:assert/strict";
import {
  countBefore,
  PAPER_PLANE_SEPARATION,
  PAPER_TESTBED,
  planeSeparationMigration,
  type PlaneSeparationResult,
  simulatePackets,
  xenStandardMigration,
} from "../mod.ts";
import { PAPER_EXPERIMENT } from "../src/reproduce/mod.ts";

const rates = PAPER_EXPERIMENT.packetRatesPerSecond;
const sizes = PAPER_EXPERIMENT.packetSizesBytes;

function packetsIn(r: PlaneSeparationResult, from: number, to: number) {
  return countBefore(r.dataPlane.stream, to) -
    countBefore(r.dataPlane.stream, from);
}

Deno.test("C2: about 200 ms less downtime than Xen standard, from the forwarding buffers", () => {
  for (const packetsPerSecond of rates) {
    for (const packetSizeBytes of sizes) {
      const ps = planeSeparationMigration({
        packetsPerSecond,
        packetSizeBytes,
      });
      const xs = xenStandardMigration({ packetsPerSecond, packetSizeBytes });
      const gain = xs.downtimeSeconds - ps.downtimeSeconds;
      assert.ok(gain > 0.15 && gain < 0.25, `${packetsPerSecond}: ${gain}`);
      // The gain is the buffer pages the VM no longer dirties.
      assert.ok(
        ps.precopy.stopAndCopyBufferPages <
          xs.precopy.stopAndCopyBufferPages,
      );
    }
  }
  // Mechanism: a VM with no forwarding buffer pool gains nothing.
  const testbed = { ...PAPER_TESTBED, bufferPoolPages: 0 };
  const ps = planeSeparationMigration({
    profile: testbed,
    packetsPerSecond: 5000,
  });
  const xs = xenStandardMigration({ profile: testbed, packetsPerSecond: 5000 });
  assert.ok(Math.abs(xs.downtimeSeconds - ps.downtimeSeconds) < 1e-9);
});

Deno.test("C4: no data packet lost at any rate or size, per interval and per packet", () => {
  for (const packetsPerSecond of rates) {
    for (const packetSizeBytes of sizes) {
      const ps = planeSeparationMigration({
        packetsPerSecond,
        packetSizeBytes,
      });
      assert.equal(ps.data.lostPackets, 0);
      assert.equal(ps.dataPlane.outageSeconds, 0);
      assert.equal(
        ps.dataPlane.counts.deliveredPackets,
        ps.dataPlane.counts.sentPackets,
      );
      assert.ok(
        xenStandardMigration({ packetsPerSecond }).data.lostPackets > 0,
      );
    }
  }
  const r = planeSeparationMigration({ packetsPerSecond: 2000 });
  assert.equal(
    simulatePackets(r.dataPlane.stream, r.dataPlane.path).counts
      .lostPackets,
    0,
  );
});

Deno.test("C5: about 15 s more total time, from synchronisation and interface remapping", () => {
  for (const packetsPerSecond of rates) {
    const ps = planeSeparationMigration({ packetsPerSecond });
    const xs = xenStandardMigration({ packetsPerSecond });
    const extra = ps.totalMigrationSeconds - xs.totalMigrationSeconds;
    assert.ok(extra > 13.5 && extra < 16.5, `${packetsPerSecond}: ${extra}`);
    // The extra time is the added steps less the shorter pre-copy of the
    // lighter VM (up to a packet gap, and Xen standard's forwarding latency
    // and its RX-ring packets released at resume, before the ARP).
    const s = PAPER_PLANE_SEPARATION;
    const steps = s.bindingFixedSeconds +
      s.bindingPerInterfaceSeconds * s.interfaceCount +
      s.tunnelSetupSeconds + s.syncFixedSeconds +
      s.syncPerRouteSeconds * s.routeCount + s.arpPropagationSeconds -
      PAPER_TESTBED.arpLearningSeconds;
    const precopyGain = xs.precopy.totalSeconds - ps.precopy.totalSeconds;
    assert.ok(
      Math.abs(extra - (steps - precopyGain)) <=
        2 / packetsPerSecond + PAPER_TESTBED.arpLearningSeconds +
          PAPER_TESTBED.vmForwardingLatencySeconds,
    );
  }
  // Mechanism: with free binding and sync the difference vanishes.
  const free = planeSeparationMigration({
    steps: {
      bindingFixedSeconds: 0,
      bindingPerInterfaceSeconds: 0,
      syncFixedSeconds: 0,
      syncPerRouteSeconds: 0,
    },
  });
  const xs = xenStandardMigration();
  assert.ok(free.totalMigrationSeconds - xs.totalMigrationSeconds < 0.2);
  // Sync cost grows with the number of routes.
  const big = planeSeparationMigration({ steps: { routeCount: 2000 } });
  const base = planeSeparationMigration();
  assert.ok(
    Math.abs(
      big.totalMigrationSeconds - base.totalMigrationSeconds -
        1000 * PAPER_PLANE_SEPARATION.syncPerRouteSeconds,
    ) < 2e-3,
  );
});

Deno.test("C8: no control packet lost, only delayed; hellos survive, BFD does not", () => {
  const r = planeSeparationMigration();
  assert.equal(r.control.lostPackets, 0);
  assert.equal(r.control.deliveredPackets, r.control.sentPackets);
  assert.ok(r.control.delayedPackets > 0);
  const held = r.controlPlane.flows.reduce((s, f) => s + f.bufferedPackets, 0);
  assert.ok(held > 0);
  // A packet held from the pause waits until the tunnel is up.
  const t = r.times;
  assert.ok(
    r.controlPlane.delay.maxSeconds <=
      t.tunnelUpSeconds - t.pauseSeconds +
        PAPER_PLANE_SEPARATION.tunnelLatencySeconds + 1e-9,
  );
  assert.ok(r.controlPlane.delay.maxSeconds > r.downtimeSeconds);
  assert.deepEqual(
    r.survival.map((s) => [s.protocol, s.verdict]),
    [["ospf", "survives"], ["bgp", "survives"], ["rip", "survives"], [
      "bfd",
      "fails",
    ]],
  );
  // A tiny buffer loses control packets: capacity matters.
  const tiny = planeSeparationMigration({
    steps: { controlBufferPackets: 1 },
  });
  assert.equal(tiny.control.lostPackets, held - 1);
});

Deno.test("steps run in the paper's order; downtime never exceeds total time", () => {
  for (const packetsPerSecond of [1, 500, 10_000]) {
    const r = planeSeparationMigration({ packetsPerSecond });
    const t = r.times;
    const order = [
      t.pauseSeconds,
      t.resumeSeconds,
      t.bindingDoneSeconds,
      t.tunnelUpSeconds,
      t.destinationReadySeconds,
      t.arpEffectiveSeconds,
      t.oldPathRemovedSeconds,
      t.sourceFreedSeconds,
    ];
    order.slice(1).forEach((x, i) => assert.ok(x >= order[i]));
    assert.ok(r.downtimeSeconds <= r.totalMigrationSeconds);
    assert.ok(r.totalMigrationSeconds >= t.arpEffectiveSeconds);
    assert.ok(
      r.totalMigrationSeconds < t.arpEffectiveSeconds + 1 / packetsPerSecond,
    );
    for (const e of r.timeline) assert.ok(e.startSeconds <= e.endSeconds);
    assert.ok(
      Math.abs(t.resumeSeconds - t.pauseSeconds - r.downtimeSeconds) < 1e-9,
    );
  }
});

Deno.test("reordered steps lose exactly the packets of the broken intervals", () => {
  for (const packetsPerSecond of [1000, 7919]) {
    // ARP before the new table is ready: the destination drops until ready.
    const early = planeSeparationMigration({
      packetsPerSecond,
      arpTiming: "after-binding",
    });
    const e = early.times;
    assert.equal(
      early.data.lostPackets,
      packetsIn(early, e.arpEffectiveSeconds, e.destinationReadySeconds),
    );
    assert.equal(
      early.dataPlane.lostAtDestinationPackets,
      early.data.lostPackets,
    );
    assert.equal(early.dataPlane.lostAtSourcePackets, 0);

    // Old path removed at resume: the source drops until the ARP took effect.
    const removed = planeSeparationMigration({
      packetsPerSecond,
      oldPathRemoval: "after-resume",
    });
    const m = removed.times;
    assert.equal(
      removed.data.lostPackets,
      packetsIn(removed, m.resumeSeconds, m.arpEffectiveSeconds),
    );
    assert.equal(
      removed.dataPlane.lostAtSourcePackets,
      removed.data.lostPackets,
    );
    assert.ok(removed.control.lostPackets > 0); // the held control packets too

    // A wait shorter than the ARP propagation.
    const hasty = planeSeparationMigration({
      packetsPerSecond,
      steps: { removalWaitSeconds: 0.004 },
    });
    const h = hasty.times;
    const expected = packetsIn(
      hasty,
      h.arpSentSeconds + 0.004,
      h.arpEffectiveSeconds,
    );
    assert.equal(hasty.data.lostPackets, expected);
    assert.ok(expected > 0);

    // Both mistakes at once: source and destination losses add up.
    const both = planeSeparationMigration({
      packetsPerSecond,
      arpTiming: "after-binding",
      oldPathRemoval: "after-resume",
    });
    assert.equal(
      both.data.lostPackets,
      both.dataPlane.lostAtSourcePackets +
        both.dataPlane.lostAtDestinationPackets,
    );
    assert.ok(both.dataPlane.lostAtSourcePackets > 0);
    assert.ok(both.dataPlane.lostAtDestinationPackets > 0);

    // Per-packet simulation agrees with interval counting.
    for (const r of [early, removed, hasty, both]) {
      const sim = simulatePackets(r.dataPlane.stream, r.dataPlane.path).counts;
      assert.equal(sim.lostPackets, r.data.lostPackets);
      const outage = r.dataPlane.outages.reduce(
        (s, o) => s + packetsIn(r, o.fromSeconds, o.toSeconds),
        0,
      );
      assert.equal(outage, r.data.lostPackets);
    }
  }
  // A wait as long as the propagation loses nothing.
  const exact = planeSeparationMigration({
    steps: { removalWaitSeconds: PAPER_PLANE_SEPARATION.arpPropagationSeconds },
  });
  assert.equal(exact.data.lostPackets, 0);
});

Deno.test("deterministic: same inputs, same outputs", () => {
  assert.deepEqual(
    planeSeparationMigration({ packetsPerSecond: 3000 }),
    planeSeparationMigration({ packetsPerSecond: 3000 }),
  );
});

Deno.test("plane separation: bad input is a RangeError naming the parameter", () => {
  assert.throws(
    () => planeSeparationMigration({ packetsPerSecond: 0 }),
    /packetsPerSecond/,
  );
  assert.throws(
    () => planeSeparationMigration({ steps: { routeCount: -1 } }),
    /steps.routeCount/,
  );
  assert.throws(
    () => planeSeparationMigration({ steps: { syncPerRouteSeconds: NaN } }),
    /steps.syncPerRouteSeconds/,
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => planeSeparationMigration({ arpTiming: "never" as any }),
    /arpTiming/,
  );
  assert.throws(
    () => planeSeparationMigration({ dataEndSeconds: 1 }),
    /dataEndSeconds/,
  );
  // Control flows and buffer sizes are named as the caller gave them.
  const flow = PAPER_PLANE_SEPARATION.controlFlows[0];
  assert.throws(
    () =>
      planeSeparationMigration({
        steps: { controlFlows: [{ ...flow, packetsPerSecond: NaN }] },
      }),
    /steps.controlFlows\[0\].packetsPerSecond.*NaN/,
  );
  assert.throws(
    () => planeSeparationMigration({ steps: { controlBufferPackets: -1 } }),
    /steps.controlBufferPackets.*-1/,
  );
  assert.throws(
    () => planeSeparationMigration({ steps: { controlBufferBytes: 0.5 } }),
    /steps.controlBufferBytes.*0.5/,
  );
});
