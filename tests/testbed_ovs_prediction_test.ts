// The Open vSwitch testbed's prediction (pure, always run): the OpenFlow
// model's own timing and packet trace over the scenario the run takes; the
// run and the prediction name old and new by the model's branching switch;
// the scenario value checks what both take.

import assert from "node:assert/strict";
import {
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
} from "../src/openflow/paper_topology.ts";
import type { Ordering } from "../src/openflow/plan.ts";
import { flow } from "../src/openflow/routing.ts";
import { gridTopology } from "../src/openflow/grid.ts";
import { migrationTiming } from "../src/openflow/timing.ts";
import { indexTopology } from "../src/openflow/topology.ts";
import {
  branchPorts,
  OVS_TESTBED_PROFILE,
  ovsScenario,
  type OvsScenarioOptions,
  paperOvsScenario,
  predictOvsMigration,
  probeMigration,
  testbedControlTopology,
} from "../src/testbed/mod.ts";

function options(ordering: Ordering): OvsScenarioOptions {
  const topology = paperTestbedTopology();
  return {
    topology,
    flows: {
      initialEntries: paperTestbedInitialEntries(topology),
      plan: paperTestbedPlan(topology, ordering),
      migrations: paperTestbedMigrations(topology),
    },
  };
}

Deno.test("the model predicts no loss for the paper's ordering and gap x rate for delete-old-first", () => {
  for (const packetsPerSecond of [500, 2000, 5000]) {
    const p = predictOvsMigration(
      ovsScenario({ ...options("paper"), packetsPerSecond }),
    );
    assert.equal(p.source, "model");
    assert.equal(p.mechanism, "openflow");
    assert.equal(p.data.lostPackets, 0);
    assert.equal(p.dataOutageSeconds, 0);
    assert.equal(p.downtimeSeconds, 0);
    assert.ok(p.data.sentPackets > 0);
    assert.equal(p.data.deliveredPackets, p.data.sentPackets);
    assert.ok(p.totalMigrationSeconds > 0);
    assert.ok(
      p.newPathAfterSeconds !== null && p.redirectAfterSeconds !== null,
    );
    assert.ok(p.redirectAfterSeconds! <= p.allAppliedAfterSeconds);
    // The first probe on the new path is sent within one probe interval
    // after the redirect (a little before it, by its access latency, at most).
    assert.ok(
      p.newPathAfterSeconds! <= p.redirectAfterSeconds! + 1 / packetsPerSecond,
    );
    assert.ok(p.newPathAfterSeconds! >= p.redirectAfterSeconds! - 0.001);
  }
  const noGap = predictOvsMigration(
    ovsScenario({ ...options("delete-old-first"), packetsPerSecond: 2000 }),
  );
  for (const gapSeconds of [0.02, 0.05, 0.1]) {
    const p = predictOvsMigration(ovsScenario({
      ...options("delete-old-first"),
      packetsPerSecond: 2000,
      gapAfterPhaseSeconds: [gapSeconds],
    }));
    // s2's old entry is gone from the first phase until s1 is redirected:
    // the gap plus the plan's own time between them, at 2000 packets/s.
    const low = Math.floor(gapSeconds * 2000);
    const high = Math.ceil((gapSeconds + noGap.allAppliedAfterSeconds) * 2000);
    assert.ok(
      p.data.lostPackets >= low && p.data.lostPackets <= high,
      `${p.data.lostPackets} not in [${low}, ${high}]`,
    );
    assert.ok(p.data.lostPackets > noGap.data.lostPackets);
    // The lost probes are one run: the outage is that run at the rate.
    assert.equal(p.dataOutageSeconds, p.data.lostPackets / 2000);
  }
});

Deno.test("the run and the prediction name old and new by the model's analysis: the branching switch and its two entries' ports", () => {
  const net = paperTestbedTopology();
  const [forward, backward] = paperTestbedMigrations(net);
  assert.deepEqual(branchPorts(net, forward), {
    switchId: "s1",
    oldPort: 2,
    newPort: 3,
  });
  assert.deepEqual(branchPorts(net, backward), {
    switchId: "s4",
    oldPort: 2,
    newPort: 3,
  });
  // Paths that part after a shared stretch: the branch is not the ingress.
  const grid = gridTopology({ rows: 2, columns: 3 });
  const late = {
    flow: flow(grid, "h0_0", "h1_2"),
    oldPath: ["s0_0", "s0_1", "s0_2", "s1_2"],
    newPath: ["s0_0", "s0_1", "s1_1", "s1_2"],
  };
  const b = branchPorts(grid, late)!;
  assert.equal(b.switchId, "s0_1");
  assert.equal(b.oldPort, indexTopology(grid).portToward("s0_1", "s0_2"));
  assert.equal(b.newPort, indexTopology(grid).portToward("s0_1", "s1_1"));
  assert.equal(branchPorts(grid, { ...late, newPath: late.oldPath }), null);
  assert.equal(
    probeMigration([forward, backward], "server", "client"),
    backward,
  );
  assert.throws(
    () => probeMigration([forward], "server", "client"),
    /migrations must hold a flow from senderHostId to receiverHostId \(server->client\); got client->server/,
  );
  // The scenario carries them, for the run and the prediction alike.
  const reverse = ovsScenario({
    ...options("paper"),
    senderHostId: "server",
    receiverHostId: "client",
  });
  assert.equal(reverse.probeMigration, reverse.flows.migrations[1]);
  assert.equal(reverse.branch?.switchId, "s4");
});

Deno.test("the prediction is the model's: its timing and trace; explicit send times equal to the window's CBR give the same prediction", () => {
  for (const ordering of ["paper", "delete-old-first", "two-phase"] as const) {
    const base = options(ordering);
    const gaps = base.flows.plan.phases.map((_, i) => (i === 0 ? 0.01 : 0));
    const scenario = ovsScenario({
      ...base,
      packetsPerSecond: 3000,
      gapAfterPhaseSeconds: gaps,
    });
    const p = predictOvsMigration(scenario);
    const timing = migrationTiming(
      base.flows.plan,
      testbedControlTopology(base.topology),
      {
        controllerPerMessageSeconds:
          OVS_TESTBED_PROFILE.controllerPerMessageSeconds,
        install: OVS_TESTBED_PROFILE.install,
        gapAfterPhaseSeconds: gaps,
      },
    );
    assert.equal(p.totalMigrationSeconds, timing.totalMigrationSeconds);
    assert.equal(p.messagesSent, timing.flowModsSent);
    const start = timing.firstFlowModSentSeconds;
    assert.equal(p.allAppliedAfterSeconds, timing.completedSeconds - start);
    // The timeline: one phase per plan phase on the controller's lane, from
    // its first flow-mod (the first at 0) to its end.
    assert.equal(p.timeline.length, base.flows.plan.phases.length);
    assert.equal(p.timeline[0].startSeconds, 0);
    assert.ok(p.timeline.every((ph) => ph.lane === "controller"));
    // The new path starts when s1's entry for the probes points at s3.
    const redirect = timing.messages.find((m) =>
      m.message.entry.switchId === "s1" && m.message.command !== "delete" &&
      m.message.entry.flowId === "client->server" &&
      m.message.entry.outPort === 3 &&
      m.message.entry.match.vlanVid === undefined
    )!;
    assert.equal(p.redirectAfterSeconds, redirect.effectiveSeconds - start);
    assert.ok(p.newPathAfterSeconds! <= p.redirectAfterSeconds! + 1 / 3000);
    assert.ok(p.newPathAfterSeconds! >= p.redirectAfterSeconds! - 0.001);
    // The default window's probes, given explicitly.
    const offsets = Array.from(
      { length: p.data.sentPackets },
      (_, k) => -0.02 + k / 3000,
    );
    const explicit = predictOvsMigration(scenario, {
      sendOffsetsSeconds: offsets,
    });
    assert.equal(explicit.data.sentPackets, p.data.sentPackets);
    assert.equal(explicit.data.lostPackets, p.data.lostPackets);
    if (ordering === "delete-old-first") assert.ok(p.data.lostPackets >= 30);
    else assert.equal(p.data.lostPackets, 0);
  }
  // A slower controller (the profile is an input) makes the plan slower.
  const s = paperOvsScenario();
  const slow = predictOvsMigration(s, {
    profile: { ...OVS_TESTBED_PROFILE, controllerPerMessageSeconds: 0.001 },
  });
  assert.ok(
    slow.totalMigrationSeconds > predictOvsMigration(s).totalMigrationSeconds +
        0.005,
  );
  // The datapath cache is not modelled, and the prediction says so.
  assert.equal(predictOvsMigration(s).note, "");
  assert.match(
    predictOvsMigration(
      ovsScenario({ ...options("paper"), datapathFlowCache: true }),
    )
      .note,
    /does not represent Open vSwitch's datapath flow cache/,
  );
  assert.throws(
    () => predictOvsMigration(s, { sendOffsetsSeconds: [0, 0.01, 0.005] }),
    /sendOffsetsSeconds\[2\] must be .*\[0\.01, \+inf\); got 0\.005/,
  );
  assert.throws(
    () => predictOvsMigration(s, { sendOffsets: [] } as never),
    /has no option "sendOffsets"; did you mean "sendOffsetsSeconds"\?/,
  );
});

Deno.test("ovsScenario checks what the run and the prediction take, and rejects unknown options", () => {
  const base = options("paper");
  const s = ovsScenario(base);
  assert.equal(s.packetsPerSecond, 2000);
  assert.equal(s.packetSizeBytes, 64);
  assert.equal(s.windowMarginSeconds, 0.02);
  assert.equal(s.datapathFlowCache, false);
  assert.equal(s.seed, 0);
  assert.ok(Object.isFrozen(s) && Object.isFrozen(s.gapAfterPhaseSeconds));
  assert.throws(
    () => ovsScenario({ ...base, packetSizeBytes: 20 }),
    /packetSizeBytes must be .*\[44, 1500\]; got 20/,
  );
  assert.throws(
    () => ovsScenario({ ...base, packetsPerSecond: 0 }),
    /packetsPerSecond must be .*\[1, 100000\]; got 0/,
  );
  assert.throws(
    () => ovsScenario({ ...base, senderHostId: "nobody" }),
    /senderHostId must be a host of the topology \(client, server\); got "nobody"/,
  );
  assert.throws(
    () => ovsScenario({ ...base, gapAfterPhaseSeconds: [0, -1] }),
    /gapAfterPhaseSeconds\[1\] must be/,
  );
  assert.throws(
    () => ovsScenario({ ...base, gapAfterPhaseSeconds: Array(9).fill(0) }),
    /at most one entry per plan phase/,
  );
  assert.throws(
    () => ovsScenario({ ...base, packetBytes: 64 } as never),
    /has no option "packetBytes" \(known: .*packetSizeBytes/,
  );
  assert.throws(() => ovsScenario(undefined as never), /needs options/);
});
