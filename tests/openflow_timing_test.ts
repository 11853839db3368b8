// Timing of plans against hand-computed cases, FlowVisor, seeds, and the
// scaling rows (the compact repeated plan equals the full plan).
import assert from "node:assert/strict";
import { compactPlan, compactTiming } from "../src/openflow/timing.ts";
import { repeatCompactPlan } from "../src/openflow/scale.ts";
import {
  HARDWARE_SWITCH,
  type MigrationPlan,
  migrationScaling,
  migrationTiming,
  ORDERINGS,
  paperTestbedPlan,
  paperTestbedTopology,
  SOFTWARE_SWITCH,
} from "../mod.ts";
import { twoSwitchTopology } from "./_openflow_fixtures.ts";

const entry = (switchId: string) => ({
  switchId,
  priority: 100,
  match: { ethType: 0x0800 },
  outPort: 1,
  flowId: "f",
});

// Phase 1: add on s1 and s2, barrier; phase 2: delete on s1, no barrier.
const plan: MigrationPlan = {
  ordering: "hand",
  phases: [
    {
      name: "one",
      messages: [{ command: "add", entry: entry("s1") }, {
        command: "add",
        entry: entry("s2"),
      }],
      barrier: true,
    },
    {
      name: "two",
      messages: [{ command: "delete", entry: entry("s1") }],
      barrier: false,
    },
  ],
};
const constant = { minSeconds: 0.0005, meanSeconds: 0.0005 };
const close = (a: number, b: number) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

Deno.test("timing by hand: per-message cost, channel latency, installation, barrier round trips", () => {
  const t = migrationTiming(plan, twoSwitchTopology(), {
    controllerPerMessageSeconds: 0.0001,
    install: constant,
  });
  // s1: sent 0.1, arrives 1.1, in effect 1.6 (ms). s2: sent 0.2, arrives 2.2, in effect 2.7.
  // Barriers sent 0.3 and 0.4; replies back at 1.6 + 1 = 2.6 and 2.7 + 2 = 4.7.
  // Delete sent 4.8, arrives 5.8, in effect 6.3.
  const ms = t.messages.map((m) =>
    [m.sentSeconds, m.arrivedSeconds, m.effectiveSeconds].map((x) => x * 1000)
  );
  [[0.1, 1.1, 1.6], [0.2, 2.2, 2.7], [4.8, 5.8, 6.3]].forEach((row, i) =>
    row.forEach((x, j) => close(ms[i][j], x))
  );
  close(t.totalMigrationSeconds, 0.0047);
  // A drain wait before the delete-only phase shifts the delete by exactly that.
  const drained = migrationTiming(plan, twoSwitchTopology(), {
    controllerPerMessageSeconds: 0.0001,
    install: constant,
    drainBeforeDeleteSeconds: 0.01,
  });
  close(drained.messages[2].sentSeconds, 0.0148);
  close(t.newPathInForceSeconds, 0.0027);
  close(t.oldEntriesFreedSeconds, 0.0063);
  close(t.completedSeconds, 0.0063);
  assert.equal(t.flowModsSent, 3);
  assert.equal(t.barriersSent, 2);
  close(t.phases[0].endSeconds, 0.0047);
});

Deno.test("timing by hand: a wait after a phase shifts every later send by exactly that; after the last phase it changes nothing", () => {
  const base = {
    controllerPerMessageSeconds: 0.0001,
    install: constant,
  };
  const t = migrationTiming(plan, twoSwitchTopology(), base);
  const gapped = migrationTiming(plan, twoSwitchTopology(), {
    ...base,
    gapAfterPhaseSeconds: [0.01],
  });
  // Phase one is untouched; the delete is sent 10 ms later: 4.8 + 10 ms.
  close(gapped.messages[0].sentSeconds, t.messages[0].sentSeconds);
  close(gapped.messages[1].effectiveSeconds, t.messages[1].effectiveSeconds);
  close(gapped.messages[2].sentSeconds, 0.0148);
  close(gapped.messages[2].effectiveSeconds, 0.0163);
  close(gapped.phases[0].endSeconds, 0.0047);
  close(gapped.phases[1].startSeconds, 0.0147);
  close(gapped.totalMigrationSeconds, 0.0147);
  close(gapped.completedSeconds, 0.0163);
  // The same wait as a drain before the delete-only phase: the same times.
  const drained = migrationTiming(plan, twoSwitchTopology(), {
    ...base,
    drainBeforeDeleteSeconds: 0.01,
  });
  assert.deepEqual(
    gapped.messages.map((m) => m.effectiveSeconds),
    drained.messages.map((m) => m.effectiveSeconds),
  );
  // No wait, zero waits and a wait after the last phase: the default timing.
  for (const gaps of [[], [0, 0], [0, 0.5]]) {
    const same = migrationTiming(plan, twoSwitchTopology(), {
      ...base,
      gapAfterPhaseSeconds: gaps,
    });
    assert.deepEqual(same.messages, t.messages);
    assert.equal(same.completedSeconds, t.completedSeconds);
  }
});

Deno.test("timing by hand: FlowVisor adds a hop and serialises its per-message cost", () => {
  const t = migrationTiming(plan, twoSwitchTopology(), {
    controllerPerMessageSeconds: 0.0001,
    install: constant,
    flowVisor: { extraLatencySeconds: 0.001, perMessageSeconds: 0.0005 },
  });
  // s1: sent 0.1, at FlowVisor 1.1, leaves 1.6, arrives 2.6, in effect 3.1.
  // s2: sent 0.2, at FlowVisor 1.2, leaves 2.1 (queued), arrives 4.1, in effect 4.6.
  // Barrier to s1 leaves FlowVisor 2.6, reaches s1 3.6, reply back 3.6 + 2.5 = 6.1;
  // to s2 leaves 3.1, reaches 5.1, reply back 5.1 + 3.5 = 8.6. Delete sent 8.7.
  const eff = t.messages.map((m) => m.effectiveSeconds * 1000);
  close(eff[0], 3.1);
  close(eff[1], 4.6);
  close(t.messages[2].sentSeconds * 1000, 8.7);
  close(eff[2], 8.7 + 1 + 0.5 + 1 + 0.5);
  close(t.totalMigrationSeconds, 0.0086);
});

Deno.test("a switch applies its flow-mods one after another", () => {
  const back: MigrationPlan = {
    ordering: "hand",
    phases: [{
      name: "burst",
      messages: [1, 2, 3].map(() => ({
        command: "add" as const,
        entry: entry("s1"),
      })),
      barrier: false,
    }],
  };
  const t = migrationTiming(back, twoSwitchTopology(), {
    controllerPerMessageSeconds: 0.0001,
    install: { minSeconds: 0.001, meanSeconds: 0.001 },
  });
  // Arrivals 1.1, 1.2, 1.3 ms; installs of 1 ms queue: 2.1, 3.1, 4.1.
  t.messages.forEach((m, i) => close(m.effectiveSeconds * 1000, 2.1 + i));
  assert.equal(t.barriersSent, 0);
  close(t.totalMigrationSeconds, 0.0002);
});

Deno.test("installation times come from the seed: same seed same times, hardware slower than software", () => {
  const net = paperTestbedTopology();
  const p = paperTestbedPlan(net);
  const a = migrationTiming(p, net, { seed: 3, install: HARDWARE_SWITCH });
  const b = migrationTiming(p, net, { seed: 3, install: HARDWARE_SWITCH });
  const c = migrationTiming(p, net, { seed: 4, install: HARDWARE_SWITCH });
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.messages.map((m) => m.effectiveSeconds),
    c.messages.map((m) => m.effectiveSeconds),
  );
  const soft = migrationTiming(p, net, { seed: 3, install: SOFTWARE_SWITCH });
  assert.ok(soft.totalMigrationSeconds < a.totalMigrationSeconds);
  for (const m of a.messages) {
    assert.ok(
      m.effectiveSeconds - m.arrivedSeconds >=
        HARDWARE_SWITCH.minSeconds - 1e-15,
    );
    assert.ok(m.arrivedSeconds > m.sentSeconds);
  }
});

Deno.test("invariants: the paper's window never exceeds the time to free the old entries", () => {
  const net = paperTestbedTopology();
  for (let seed = 0; seed < 20; seed++) {
    for (const o of ORDERINGS) {
      const t = migrationTiming(paperTestbedPlan(net, o), net, {
        seed,
        install: HARDWARE_SWITCH,
      });
      assert.ok(t.totalMigrationSeconds <= t.completedSeconds, o);
      assert.ok(t.newPathInForceSeconds <= t.completedSeconds, o);
      assert.ok(t.oldEntriesFreedSeconds <= t.completedSeconds, o);
      assert.ok(t.firstFlowModSentSeconds <= t.lastFlowModSentSeconds, o);
    }
  }
});

Deno.test("the repeated compact plan of n flow pairs times exactly like the full plan of n pairs", () => {
  const net = paperTestbedTopology();
  const one = compactPlan(paperTestbedPlan(net), net);
  const full = paperTestbedPlan(net, "paper", { flowPairs: 25 });
  const a = compactTiming(repeatCompactPlan(one, 25), net, { seed: 9 });
  const b = migrationTiming(full, net, { seed: 9 });
  assert.deepEqual(
    Array.from(a.effectiveSeconds),
    b.messages.map((m) => m.effectiveSeconds),
  );
  assert.deepEqual(
    Array.from(a.sentSeconds),
    b.messages.map((m) => m.sentSeconds),
  );
});

Deno.test("scaling: total migration time grows with flows, controller distance and slower installation", () => {
  const rows = migrationScaling({
    flowPairCounts: [1, 10, 100, 1000],
    extraControlHops: [0, 1, 2, 4],
    installPerSecond: [100, 1000, 10000],
  });
  const series = (factor: string) =>
    rows.filter((r) => r.factor === factor).map((r) => r.totalMigrationSeconds);
  const increasing = (xs: number[]) =>
    xs.every((x, i) => i === 0 || x > xs[i - 1]);
  assert.ok(increasing(series("flows")));
  assert.ok(increasing(series("controllerDistance")));
  assert.ok(increasing(series("installRate").reverse()));
  const flows = rows.filter((r) => r.factor === "flows");
  assert.deepEqual(flows.map((r) => r.flowModsSent), [10, 100, 1000, 10000]);
  // Each extra hop on every channel adds two barrier round trips: 2 x 2 x 0.5 ms.
  const dist = series("controllerDistance");
  close(dist[1] - dist[0], 0.002);
  assert.throws(
    () => migrationScaling({ flowPairCounts: [0] }),
    /flowPairCounts\[0\]/,
  );
  assert.throws(
    () => migrationScaling({ installPerSecond: [-1] }),
    /installPerSecond\[0\]/,
  );
  assert.throws(
    () =>
      migrationScaling({
        timing: { install: { minSeconds: 0, meanSeconds: 0 } },
      }),
    /timing\.install\.meanSeconds .*\(0, \+inf\); got 0/,
  );
  for (const r of rows) {
    assert.ok(Number.isFinite(r.installPerSecond), `${r.factor}`);
    assert.ok(Number.isFinite(r.totalMigrationSeconds), `${r.factor}`);
  }
});

Deno.test("timing rejects bad options with RangeErrors", () => {
  const net = paperTestbedTopology();
  const p = paperTestbedPlan(net);
  const bad: [object, RegExp][] = [
    [{ controllerPerMessageSeconds: -1 }, /controllerPerMessageSeconds/],
    [{ install: { minSeconds: 2, meanSeconds: 1 } }, /install\.meanSeconds/],
    [{ installBySwitch: { nope: SOFTWARE_SWITCH } }, /installBySwitch/],
    [{ seed: 1.5 }, /seed/],
    [{ drainBeforeDeleteSeconds: -1 }, /drainBeforeDeleteSeconds/],
    [{ gapAfterPhaseSeconds: [0, -0.1] }, /gapAfterPhaseSeconds\[1\]/],
    [
      { gapAfterPhaseSeconds: [0, 0, 0, 0] },
      /gapAfterPhaseSeconds\.length .*\[0, 3\]; got 4/,
    ],
    [
      { flowVisor: { extraLatencySeconds: NaN, perMessageSeconds: 0 } },
      /flowVisor\.extraLatencySeconds/,
    ],
  ];
  for (const [o, re] of bad) {
    assert.throws(
      () => migrationTiming(p, net, o),
      (e: unknown) => e instanceof RangeError && re.test(e.message),
    );
  }
});
