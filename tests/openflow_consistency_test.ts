// Packet-level consistency: the run engine against the per-packet engine,
// against closed forms, against the traffic engine's countFates, and the
// orderings that drop or loop packets on the scenarios that break them.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countBefore,
  countFates,
  flow,
  type FlowMigration,
  gridPath,
  gridTopology,
  HARDWARE_SWITCH,
  initialEntries,
  migrationTiming,
  type Ordering,
  ORDERINGS,
  packetConsistency,
  paperTestbedInitialEntries,
  paperTestbedMigrations,
  paperTestbedPlan,
  paperTestbedTopology,
  pathElement,
  planMigration,
  poissonStream,
  ruleStates,
  simulateMigrationPackets,
  SOFTWARE_SWITCH,
  streamTimesSeconds,
  timedChanges,
  type TimingOptions,
  type Topology,
  type TrafficStream,
} from "../mod.ts";
import { backwardsTopology } from "./_openflow_fixtures.ts";

interface Scenario {
  net: Topology;
  migrations: FlowMigration[];
  matchInPort: boolean;
}

function paperScenario(net = paperTestbedTopology()): Scenario {
  return { net, migrations: paperTestbedMigrations(net), matchInPort: true };
}

function backwardsScenario(): Scenario {
  const net = backwardsTopology();
  return {
    net,
    migrations: [{
      flow: flow(net, "src", "dst"),
      oldPath: ["A", "B", "C", "D", "E"],
      newPath: ["A", "C", "B", "E"],
    }],
    matchInPort: false,
  };
}

function splitMergeScenario(): Scenario {
  const net = gridTopology({ rows: 3, columns: 4 });
  return {
    net,
    migrations: [{
      flow: flow(net, "h1_0", "h1_3"),
      oldPath: gridPath([1, 0], [1, 3], "row-first"),
      newPath: ["s1_0", "s0_0", "s0_1", "s1_1", "s2_1", "s2_2", "s1_2", "s1_3"],
    }, {
      flow: flow(net, "h1_3", "h1_0"),
      oldPath: gridPath([1, 3], [1, 0], "row-first"),
      newPath: ["s1_3", "s1_2", "s2_2", "s2_1", "s1_1", "s0_1", "s0_0", "s1_0"],
    }],
    matchInPort: false,
  };
}

function run(
  s: Scenario,
  ordering: Ordering,
  stream: TrafficStream,
  timing: TimingOptions = {},
  engine = packetConsistency,
) {
  const plan = planMigration(s.net, s.migrations, {
    ordering,
    matchInPort: s.matchInPort,
  });
  const t = migrationTiming(plan, s.net, timing);
  const report = engine(s.net, {
    initial: initialEntries(s.net, s.migrations, {
      matchInPort: s.matchInPort,
    }),
    changes: timedChanges(t),
    migrations: s.migrations,
  }, { stream, recordPieces: true });
  return { plan, timing: t, report };
}

Deno.test("the run engine and the per-packet engine agree exactly (random scenarios, orderings, rates, seeds)", () => {
  const scenarios = [
    paperScenario(),
    backwardsScenario(),
    splitMergeScenario(),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom(...ORDERINGS),
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 100, max: 200_000, noNaN: true }),
      fc.double({ min: 0, max: 0.003, noNaN: true }),
      fc.boolean(),
      fc.constantFrom("software", "hardware", "paper"),
      (si, ordering, seed, rate, start, poisson, install) => {
        const s = scenarios[si];
        const common = {
          packetsPerSecond: rate,
          startSeconds: start,
          endSeconds: start + 0.03,
        };
        const stream = poisson
          ? poissonStream({ ...common, seed })
          : cbrStream(common);
        const opts: TimingOptions = {
          seed,
          ...(install === "software"
            ? { install: SOFTWARE_SWITCH }
            : install === "hardware"
            ? { install: HARDWARE_SWITCH }
            : {}),
        };
        const a = run(s, ordering, stream, opts).report;
        const b =
          run(s, ordering, stream, opts, simulateMigrationPackets).report;
        assert.deepEqual(a, b);
        for (const f of a.flows) {
          const sum = f.deliveredOldPath + f.deliveredNewPath +
            f.deliveredMixedPath +
            f.droppedPackets + f.loopedPackets;
          assert.equal(sum, f.sentPackets);
        }
      },
    ),
    { numRuns: 60, seed: 5 },
  );
});

Deno.test("delete-old-first by hand: with zero latency, every packet sent between the first delete and the redirect is lost", () => {
  const net = paperTestbedTopology({
    linkLatencySeconds: 0,
    linkBitsPerSecond: 1e15,
  });
  const s = paperScenario(net);
  for (const rate of [1000, 33_333, 1_000_000]) {
    const stream = cbrStream({ packetsPerSecond: rate, endSeconds: 0.02 });
    const { timing, report } = run(s, "delete-old-first", stream);
    const at = (command: string, switchId: string, flowId: string) =>
      timing.messages.find((m) =>
        m.message.command === command &&
        m.message.entry.switchId === switchId &&
        m.message.entry.flowId === flowId
      )!.effectiveSeconds;
    const f = "client->server";
    const firstDelete = Math.min(at("delete", "s2", f), at("delete", "s4", f));
    const redirect = at("modify", "s1", f);
    const expected = countBefore(stream, redirect) -
      countBefore(stream, firstDelete);
    assert.ok(expected > 0);
    assert.equal(report.flows[0].droppedPackets, expected, `rate ${rate}`);
    assert.equal(report.flows[0].longestLossRun, expected);
  }
});

Deno.test("a delete on a linear path: the OpenFlow trace counts what the traffic engine's countFates counts", () => {
  const net = paperTestbedTopology();
  const s = paperScenario(net);
  const stream = cbrStream({ packetsPerSecond: 250_000, endSeconds: 0.01 });
  const initial = paperTestbedInitialEntries(net);
  const del = initial.find((e) =>
    e.switchId === "s2" && e.flowId === "client->server"
  )!;
  const deleteAt = 0.0031234;
  const report = packetConsistency(net, {
    initial,
    changes: [{ atSeconds: deleteAt, mod: { command: "delete", entry: del } }],
    migrations: s.migrations.slice(0, 1),
  }, { stream });
  const hop = 0.00005 + 64 * 8 / 1e8;
  const counts = countFates(stream, [
    pathElement({ name: "client link", latencySeconds: hop }),
    pathElement({ name: "s1", latencySeconds: hop }),
    pathElement({
      name: "s2",
      latencySeconds: hop,
      changes: [{ atSeconds: deleteAt, state: "drop" }],
    }),
    pathElement({ name: "s4" }),
  ]);
  assert.equal(report.flows[0].droppedPackets, counts.lostPackets);
  assert.equal(report.flows[0].deliveredOldPath, counts.deliveredPackets);
  assert.deepEqual(report.flows[0].drops, [{
    at: "s2",
    packets: counts.lostPackets,
  }]);
});

Deno.test("all-at-once loses packets when the branching switch's modify lands before the new path's adds", () => {
  const s = paperScenario();
  const stream = cbrStream({ packetsPerSecond: 100_000, endSeconds: 0.03 });
  // s3 (the new path) is a slow hardware switch; the others are software switches.
  const timing = {
    install: SOFTWARE_SWITCH,
    installBySwitch: { s3: HARDWARE_SWITCH },
  };
  const broken = run(s, "all-at-once", stream, timing).report;
  assert.ok(broken.flows.every((f) => f.droppedPackets > 0));
  assert.ok(broken.flows.every((f) => f.drops.every((d) => d.at === "s3")));
  assert.equal(run(s, "paper", stream, timing).report.lostPackets, 0);
  assert.equal(run(s, "two-phase", stream, timing).report.lostPackets, 0);
  assert.ok(run(s, "branching-first", stream, timing).report.lostPackets > 0);
});

Deno.test("part of the old path backwards: redirecting together loops packets; egress-first with barriers does not", () => {
  const s = backwardsScenario();
  const stream = cbrStream({ packetsPerSecond: 50_000, endSeconds: 0.05 });
  // B applies flow-mods slowly: C's modify (toward B) lands first, and B still points at C.
  const timing = {
    install: SOFTWARE_SWITCH,
    installBySwitch: { B: { minSeconds: 0.02, meanSeconds: 0.02 } },
  };
  for (const o of ["all-at-once", "branching-first"] as const) {
    const r = run(s, o, stream, timing).report;
    assert.ok(r.loopedPackets > 0, o);
  }
  const paper = run(s, "paper", stream, timing).report;
  assert.equal(paper.lostPackets, 0);
  assert.equal(paper.loopedPackets, 0);
  // Between B's redirect and A's, packets take A-B-E: a mixed path, delivered.
  assert.ok(paper.flows[0].deliveredMixedPath > 0);
  const pieces = paper.pieces.filter((p) => p.fate === "delivered-mixed");
  assert.deepEqual(pieces[0].switches, ["A", "B", "E"]);
});

Deno.test("split and merge twice: the paper's ordering loses nothing at any rate", () => {
  const s = splitMergeScenario();
  for (const rate of [100, 10_000, 1_000_000]) {
    for (const seed of [0, 1, 2]) {
      const stream = cbrStream({ packetsPerSecond: rate, endSeconds: 0.2 });
      const r =
        run(s, "paper", stream, { seed, install: HARDWARE_SWITCH }).report;
      assert.equal(r.lostPackets, 0);
      assert.ok(r.flows.every((f) => f.deliveredNewPath > 0));
    }
  }
});

Deno.test("deleting right after the barrier drops packets still in flight on a slow old path", () => {
  // The old path's s2-s4 link takes 20 ms: packets that passed s1 before the
  // redirect are still on it when the delete at s4 lands (drop at s4).
  const net = paperTestbedTopology();
  const slow: Topology = {
    ...net,
    links: net.links.map((l) =>
      l.a.switchId === "s2" && l.b.switchId === "s4"
        ? { ...l, latencySeconds: 0.02 }
        : l
    ),
  };
  const s = paperScenario(slow);
  const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 0.03 });
  const r = run(s, "paper", stream).report;
  assert.ok(r.droppedPackets > 0);
  assert.equal(r.downtimeSeconds > 0, true);
  assert.equal(run(paperScenario(), "paper", stream).report.droppedPackets, 0);
  // Waiting for the old path to drain before deleting (Reitblatt et al.) fixes it.
  const drained = run(s, "paper", stream, { drainBeforeDeleteSeconds: 0.021 });
  assert.equal(drained.report.lostPackets, 0);
  assert.ok(drained.timing.totalMigrationSeconds > 0.021);
});

Deno.test("rule state over time: each switch's entries change exactly when its flow-mods take effect", () => {
  const net = paperTestbedTopology();
  const timing = migrationTiming(paperTestbedPlan(net), net);
  const states = ruleStates(
    net,
    paperTestbedInitialEntries(net),
    timedChanges(timing),
  );
  assert.deepEqual(states.s2.map((x) => x.entries.length), [2, 1, 0]);
  assert.deepEqual(states.s3.map((x) => x.entries.length), [0, 1, 2]);
  const deletes = timing.messages.filter((m) =>
    m.message.entry.switchId === "s2"
  );
  assert.deepEqual(
    states.s2.slice(1).map((x) => x.fromSeconds),
    deletes.map((m) => m.effectiveSeconds),
  );
  // s1: its old reverse entry goes; its forward entry now outputs to s3.
  const final = states.s1[states.s1.length - 1].entries;
  assert.deepEqual(final.map((e) => `${e.match.inPort}>${e.outPort}`).sort(), [
    "1>3",
    "3>1",
  ]);
});

Deno.test("explicit send times: the run engine and the per-packet engine agree exactly; a CBR stream's own times give its report", () => {
  const scenarios = [
    paperScenario(),
    backwardsScenario(),
    splitMergeScenario(),
  ];
  const gaps = fc.array(fc.double({ min: 0, max: 0.002, noNaN: true }), {
    maxLength: 400,
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom(...ORDERINGS),
      fc.integer({ min: 0, max: 1000 }),
      gaps,
      fc.double({ min: 0, max: 0.05, noNaN: true }),
      (si, ordering, seed, steps, phaseGap) => {
        const s = scenarios[si];
        // Jittered sends (repeats included) as a real sender makes them.
        const times: number[] = [];
        let t = 0;
        for (const d of steps) times.push(t += d);
        const plan = planMigration(s.net, s.migrations, {
          ordering,
          matchInPort: s.matchInPort,
        });
        const timing = migrationTiming(plan, s.net, {
          seed,
          gapAfterPhaseSeconds: [phaseGap],
        });
        const timeline = {
          initial: initialEntries(s.net, s.migrations, {
            matchInPort: s.matchInPort,
          }),
          changes: timedChanges(timing),
          migrations: s.migrations,
        };
        const options = {
          sendTimesSeconds: { [s.migrations[0].flow.id]: times },
          recordPieces: true,
        };
        const a = packetConsistency(s.net, timeline, options);
        const b = simulateMigrationPackets(s.net, timeline, options);
        assert.deepEqual(a, b);
        assert.equal(a.flows[0].sentPackets, times.length);
      },
    ),
    { numRuns: 60, seed: 7 },
  );
  // The explicit times of a CBR stream: exactly the CBR stream's report.
  const s = paperScenario();
  const stream = cbrStream({ packetsPerSecond: 7919, endSeconds: 0.03 });
  for (const ordering of ORDERINGS) {
    const cbr = run(s, ordering, stream).report;
    const plan = planMigration(s.net, s.migrations, { ordering });
    const explicit = packetConsistency(s.net, {
      initial: initialEntries(s.net, s.migrations),
      changes: timedChanges(migrationTiming(plan, s.net)),
      migrations: s.migrations,
    }, {
      stream,
      recordPieces: true,
      sendTimesSeconds: Object.fromEntries(
        s.migrations.map((m) => [m.flow.id, [...streamTimesSeconds(stream)]]),
      ),
    });
    assert.deepEqual(explicit, cbr);
  }
});

Deno.test("consistency rejects bad inputs with RangeErrors", () => {
  const net = paperTestbedTopology();
  const s = paperScenario(net);
  const timeline = {
    initial: paperTestbedInitialEntries(net),
    changes: [],
    migrations: s.migrations,
  };
  assert.throws(
    () => packetConsistency(net, timeline, { ttlHops: 0 }),
    /ttlHops/,
  );
  assert.throws(
    () => packetConsistency(net, timeline, { streams: { nope: cbrStream() } }),
    /streams/,
  );
  assert.throws(
    () => packetConsistency(net, timeline, { sendTimesSeconds: { nope: [] } }),
    /sendTimesSeconds keys must be flow ids; got "nope"/,
  );
  const id = s.migrations[0].flow.id;
  assert.throws(
    () =>
      packetConsistency(net, timeline, {
        sendTimesSeconds: { [id]: [0, 0.002, 0.001] },
      }),
    /sendTimesSeconds\["client->server"\]\[2\] must be .*\[0\.002, \+inf\); got 0\.001/,
  );
  assert.throws(
    () =>
      packetConsistency(net, timeline, { sendTimesSeconds: { [id]: [NaN] } }),
    /sendTimesSeconds\["client->server"\]\[0\]/,
  );
  assert.throws(
    () =>
      packetConsistency(net, {
        ...timeline,
        changes: [{
          atSeconds: NaN,
          mod: { command: "delete", entry: timeline.initial[0] },
        }],
      }),
    /changes\[0\]\.atSeconds/,
  );
  assert.throws(
    () =>
      packetConsistency(net, timeline, {
        stream: { ...cbrStream(), packetsPerSecond: -1 },
      }),
    /packetsPerSecond/,
  );
  const ghost = { ...timeline.initial[0], switchId: "s9" };
  assert.throws(
    () => ruleStates(net, [ghost], []),
    /initial\[0\]\.switchId must be a switch id; got "s9"/,
  );
  assert.throws(
    () =>
      ruleStates(net, timeline.initial, [{
        atSeconds: 0,
        mod: { command: "add", entry: ghost },
      }]),
    /changes\[0\]\.mod\.entry\.switchId must be a switch id; got "s9"/,
  );
});

Deno.test("flows whose entries match no address (UDP port only): the engines agree and the paper's ordering loses nothing", () => {
  const net = paperTestbedTopology();
  const byPort = (udpDst: number) =>
    flow(net, "client", "server", {
      id: `udp ${udpDst}`,
      match: { ethType: 0x0800, ipProto: 17, udpDst },
    });
  const s: Scenario = {
    net,
    migrations: [5001, 5002].map((port) => ({
      flow: byPort(port),
      oldPath: ["s1", "s2", "s4"],
      newPath: ["s1", "s3", "s4"],
    })),
    matchInPort: true,
  };
  const stream = cbrStream({ packetsPerSecond: 20_000, endSeconds: 0.02 });
  for (const ordering of ORDERINGS) {
    const a = run(s, ordering, stream).report;
    const b = run(s, ordering, stream, {}, simulateMigrationPackets).report;
    assert.deepEqual(a, b, ordering);
    assert.equal(a.sentPackets, 2 * 400, ordering);
    if (ordering === "paper" || ordering === "two-phase") {
      assert.equal(a.lostPackets, 0, ordering);
      assert.ok(a.flows.every((f) => f.deliveredNewPath > 0), ordering);
    }
  }
  assert.ok(run(s, "delete-old-first", stream).report.lostPackets > 0);
});
