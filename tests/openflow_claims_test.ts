// The paper's OpenFlow claims on its testbed (Fig. 4(b)), from the
// mechanism: C4 (no loss at any rate), C6 (about 5 ms total migration time,
// growing with controller distance and flows), C9 (no downtime); and the
// broken orderings lose real, counted packets on the same testbed.
import assert from "node:assert/strict";
import {
  cbrStream,
  migrationScaling,
  migrationTiming,
  packetConsistency,
  PAPER_TESTBED_PROFILE,
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
  timedChanges,
} from "../mod.ts";
import type { Ordering } from "../mod.ts";

const RATES = [10, 100, 1_000, 10_000, 100_000, 1_000_000];

function migrate(
  ordering: Ordering,
  rate: number,
  sizeBytes: number,
  seed: number,
) {
  const net = paperTestbedTopology();
  const timing = migrationTiming(paperTestbedPlan(net, ordering), net, {
    seed,
  });
  const report = packetConsistency(net, {
    initial: paperTestbedInitialEntries(net),
    changes: timedChanges(timing),
    migrations: paperTestbedMigrations(net),
  }, {
    stream: cbrStream({
      packetsPerSecond: rate,
      packetSizeBytes: sizeBytes,
      endSeconds: 0.05,
    }),
  });
  return { timing, report };
}

Deno.test("C4: the paper's ordering loses no packet at any rate, for 64 and 1500 byte packets", () => {
  for (const rate of RATES) {
    for (const size of [64, 1500]) {
      for (const seed of [0, 1, 2, 3]) {
        const { report } = migrate("paper", rate, size, seed);
        // Loads above the gigabit links' rate are flagged, not evidence.
        const fits = rate * size * 8 <= 1e9;
        assert.equal(report.feasible, fits, `rate ${rate} size ${size}`);
        if (!fits) continue;
        assert.equal(
          report.lostPackets,
          0,
          `rate ${rate} size ${size} seed ${seed}`,
        );
        assert.equal(report.deliveredPackets, report.sentPackets);
      }
    }
  }
});

Deno.test("C6: total migration time (first to last flow-mod sent) is about 5 ms on the paper testbed", () => {
  for (let seed = 0; seed < 10; seed++) {
    const { timing } = migrate("paper", 1000, 64, seed);
    assert.ok(
      timing.totalMigrationSeconds > 0.004 &&
        timing.totalMigrationSeconds < 0.006,
      `${timing.totalMigrationSeconds}`,
    );
  }
  // The same mechanism without the calibrated control hop is far from 5 ms:
  // the figure comes from the channel round trips, not from a constant.
  const net = paperTestbedTopology({ controlHopLatencySeconds: 0 });
  const fast = migrationTiming(paperTestbedPlan(net), net);
  assert.ok(fast.totalMigrationSeconds < 0.003);
  assert.equal(PAPER_TESTBED_PROFILE.controlHopLatencySeconds, 0.0005);
});

Deno.test("C6: it grows with the controller's distance and with the number of migrated flows", () => {
  const rows = migrationScaling({
    flowPairCounts: [1, 2, 10, 100],
    extraControlHops: [0, 1, 3],
    installPerSecond: [],
  });
  const of = (f: string) =>
    rows.filter((r) => r.factor === f).map((r) => r.totalMigrationSeconds);
  const flows = of("flows");
  const hops = of("controllerDistance");
  assert.ok(flows.every((x, i) => i === 0 || x > flows[i - 1]));
  assert.ok(hops.every((x, i) => i === 0 || x > hops[i - 1]));
});

Deno.test("C9: no downtime: every flow is served without a gap, and moves to the new path", () => {
  for (const rate of RATES) {
    const { timing, report } = migrate("paper", rate, 64, 0);
    assert.equal(report.downtimeSeconds, 0);
    for (const f of report.flows) {
      assert.equal(f.longestLossRun, 0);
      if (rate >= 1000) {
        assert.ok(f.deliveredNewPath > 0);
        // The switch to the new path happens once the new path is in force.
        assert.ok(f.newPathFromSendSeconds !== null);
        assert.ok(
          f.newPathFromSendSeconds! < timing.newPathInForceSeconds + 1 / rate,
        );
      }
    }
  }
});

Deno.test("broken orderings lose real packets on the same testbed, in proportion to the rate", () => {
  for (
    const ordering of [
      "delete-old-first",
      "branching-first",
      "all-at-once",
    ] as const
  ) {
    const lost = RATES.map((r) =>
      migrate(ordering, r, 64, 0).report.lostPackets
    );
    assert.ok(lost[lost.length - 1] > 0, ordering);
    assert.ok(
      lost.every((x, i) => i === 0 || x >= lost[i - 1]),
      `${ordering}: ${lost}`,
    );
    // 10x the rate: about 10x the loss (the loss window does not depend on the rate).
    const ratio = lost[5] / lost[4];
    assert.ok(ratio > 9 && ratio < 11, `${ordering}: ${ratio}`);
    const { report, timing } = migrate(ordering, 100_000, 64, 0);
    // Downtime never exceeds the time the migration takes.
    assert.ok(
      report.downtimeSeconds > 0 &&
        report.downtimeSeconds <= timing.completedSeconds,
    );
  }
  assert.equal(migrate("two-phase", 1_000_000, 64, 0).report.lostPackets, 0);
});
