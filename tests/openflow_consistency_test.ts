// Packet-level consistency: the run engine against the per-packet engine,
// against closed forms, against the traffic engine's countFates, and the
// orderings that drop or loop packets on the scenarios that break them.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cbrStream,
  countBefore,
  countFates,
  explicitStream,
  type PathElement,
  pathElement,
  poissonStream,
  streamTimesSeconds,
  type TrafficStream,
} from "../src/traffic/mod.ts";
import {
  type ConsistencyOptions,
  flow,
  type FlowEntry,
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
  planMigration,
  ruleStates,
  simulateMigrationPackets,
  SOFTWARE_SWITCH,
  timedChanges,
  type TimingOptions,
  type Topology,
  topology,
} from "../src/openflow/mod.ts";
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
  options: ConsistencyOptions = {},
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
  }, { stream, recordPieces: true, ...options });
  return { plan, timing: t, report };
}

Deno.test("the run engine and the per-packet engine agree exactly (random scenarios, orderings, rates up to link overload, loop rules, queue sizes, seeds)", () => {
  const scenarios = [
    paperScenario(),
    backwardsScenario(),
    splitMergeScenario(),
  ];
  let congested = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom(...ORDERINGS),
      fc.integer({ min: 0, max: 1000 }),
      fc.oneof(
        fc.double({ min: 100, max: 200_000, noNaN: true }),
        // Decimal rates, where packets land exactly on rule instants.
        fc.constantFrom(1000, 20_000, 250_000),
      ),
      fc.constantFrom(0, 0.001, 0.0025),
      fc.boolean(),
      fc.constantFrom("software", "hardware", "paper"),
      fc.constantFrom("hop-limit" as const, "first-revisit" as const),
      fc.constantFrom(Infinity, 1000, 3),
      (si, ordering, seed, rate, start, poisson, install, loops, queue) => {
        const s = scenarios[si];
        const common = {
          packetsPerSecond: rate,
          startSeconds: start,
          endSeconds: start + 0.02,
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
        const options = { loops, queueCapacityPackets: queue };
        const a = run(s, ordering, stream, opts, packetConsistency, options)
          .report;
        const b = run(
          s,
          ordering,
          stream,
          opts,
          simulateMigrationPackets,
          options,
        ).report;
        assert.deepEqual(a, b);
        for (const f of a.flows) {
          const sum = f.deliveredOldPath + f.deliveredNewPath +
            f.deliveredMixedPath + f.droppedPackets + f.loopedPackets +
            f.queueDroppedPackets;
          assert.equal(sum, f.sentPackets);
          if (f.congested) congested++;
        }
      },
    ),
    { numRuns: 60, seed: 5 },
  );
  // The generator reaches the overloaded case (packets queue), not only the easy one.
  assert.ok(congested > 0);
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

// The paper testbed's client->server old path as traffic-engine elements:
// the client's access link, then each switch's output link (its rate and
// latency), the delete at s2 as a drop from its effective time.
function linearPath(
  net: Topology,
  deleteAt: number,
  queueCapacityPackets: number,
): PathElement[] {
  const host = net.hosts.find((h) => h.id === "client")!;
  const link = net.links[0];
  const server = (
    name: string,
    l: { latencySeconds: number; bitsPerSecond: number },
    changes = {},
  ) =>
    pathElement({
      name,
      latencySeconds: l.latencySeconds,
      linkBitsPerSecond: l.bitsPerSecond,
      queueCapacityPackets,
      ...changes,
    });
  return [
    server("client", host),
    server("s1", link),
    server("s2", link, { changes: [{ atSeconds: deleteAt, state: "drop" }] }),
    server("s4", net.hosts.find((h) => h.id === "server")!),
  ];
}

Deno.test("a delete on a linear path: the OpenFlow trace counts what the traffic engine's countFates counts, delays included, below and above the links' rate", () => {
  const net = paperTestbedTopology({ linkBitsPerSecond: 1e8 }); // Fast Ethernet
  const s = paperScenario(net);
  const initial = paperTestbedInitialEntries(net);
  const del = initial.find((e) =>
    e.switchId === "s2" && e.flowId === "client->server"
  )!;
  const deleteAt = 0.0031234;
  // 150,000 x 512 bits fit 100 Mbit/s; 250,000 do not (the queue fills).
  for (
    const [rate, queue] of [[150_000, 1000], [250_000, 1000], [250_000, 7]]
  ) {
    const stream = cbrStream({ packetsPerSecond: rate, endSeconds: 0.01 });
    const timeline = {
      initial,
      changes: [{
        atSeconds: deleteAt,
        mod: { command: "delete" as const, entry: del },
      }],
      migrations: s.migrations.slice(0, 1),
    };
    const options = { stream, queueCapacityPackets: queue };
    const report = packetConsistency(net, timeline, options);
    const counts = countFates(stream, linearPath(net, deleteAt, queue));
    const f = report.flows[0];
    assert.equal(
      f.droppedPackets,
      counts.losses.find((l) => l.cause === "drop")?.packets ?? 0,
    );
    assert.equal(
      f.queueDroppedPackets,
      counts.losses.filter((l) => l.cause === "queue").reduce(
        (a, l) => a + l.packets,
        0,
      ),
    );
    assert.equal(f.deliveredOldPath, counts.deliveredPackets);
    assert.deepEqual(f.delay, counts.endToEnd);
    assert.equal(f.queuedPackets, counts.queuedPackets);
    assert.equal(f.congested, rate > 195_312.5);
    assert.deepEqual(
      report,
      simulateMigrationPackets(net, timeline, options),
    );
  }
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
          streams: { [s.migrations[0].flow.id]: explicitStream(times) },
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
      streams: Object.fromEntries(
        s.migrations.map((m) => [
          m.flow.id,
          explicitStream(streamTimesSeconds(stream), {
            packetsPerSecond: stream.packetsPerSecond,
          }),
        ]),
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
    () =>
      packetConsistency(net, timeline, {
        streams: { nope: explicitStream([]) },
      }),
    /streams keys must be flow ids; got "nope"/,
  );
  assert.throws(
    () => explicitStream([0, 0.002, 0.001]),
    /sendTimesSeconds\[2\] must be .*\[0\.002, \+inf\); got 0\.001/,
  );
  assert.throws(() => explicitStream([NaN]), /sendTimesSeconds\[0\]/);
  // The side channel is gone: an unknown option is an error, with a hint.
  assert.throws(
    () =>
      packetConsistency(net, timeline, {
        sendTimesSecond: {},
      } as ConsistencyOptions),
    /no option "sendTimesSecond"/,
  );
  assert.throws(
    () => packetConsistency(net, timeline, { queueCapacityPackets: -1 }),
    /queueCapacityPackets must be an integer in \[0, .*\] or Infinity; got -1/,
  );
  assert.throws(
    () =>
      packetConsistency(net, timeline, {
        loops: "never" as "hop-limit",
      }),
    /loops must be one of "hop-limit", "first-revisit"; got "never"/,
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

// Two switches in a row; the client's access link and the s1-s2 link chosen
// so that packet 9 (sent at 0.009 s) reaches s2 at exactly 0.0095005 s, a
// sum that binary floating point puts 2e-18 s earlier.
function exactInstantNetwork() {
  const net = topology({
    switches: [{ id: "s1", ports: [1, 2] }, { id: "s2", ports: [1, 2] }],
    links: [{
      a: { switchId: "s1", port: 2 },
      b: { switchId: "s2", port: 2 },
      latencySeconds: 0.0002995,
      bitsPerSecond: 1.024e9,
    }],
    hosts: [
      {
        id: "client",
        ipv4: "10.0.0.1",
        switchId: "s1",
        port: 1,
        latencySeconds: 0.0002,
        bitsPerSecond: 1.024e9,
      },
      {
        id: "server",
        ipv4: "10.0.0.2",
        switchId: "s2",
        port: 1,
        latencySeconds: 0,
        bitsPerSecond: 1.024e9,
      },
    ],
    controller: {
      id: "c",
      channels: [
        { switchId: "s1", hops: 1, latencySeconds: 0.001 },
        { switchId: "s2", hops: 1, latencySeconds: 0.001 },
      ],
    },
  });
  const f = flow(net, "client", "server");
  const entry = (switchId: string, outPort: number): FlowEntry => ({
    switchId,
    priority: 100,
    match: f.match,
    outPort,
    flowId: f.id,
  });
  const migration: FlowMigration = {
    flow: f,
    oldPath: ["s1", "s2"],
    newPath: ["s1", "s2"],
  };
  return { net, f, entry, migration };
}

Deno.test("item 1: a rule that takes effect at exactly a packet's arrival (for the decimals written) applies to it, in both engines", () => {
  const { net, entry, migration } = exactInstantNetwork();
  // 0.009 + (0.0002 + 512 / 1.024e9) + (0.0002995 + 512 / 1.024e9) = 0.0095005
  assert.ok(
    0.009 + (0.0002 + 512 / 1.024e9) + (0.0002995 + 512 / 1.024e9) < 0.0095005,
  );
  const timeline = {
    initial: [entry("s1", 2)],
    changes: [{
      atSeconds: 0.0095005,
      mod: { command: "add" as const, entry: entry("s2", 1) },
    }],
    migrations: [migration],
  };
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 0.02 });
  for (const engine of [packetConsistency, simulateMigrationPackets]) {
    const r = engine(net, timeline, { stream, recordPieces: true });
    // Packets 0..8 meet s2 before the add: table miss. From 9 on: delivered.
    assert.equal(r.flows[0].droppedPackets, 9);
    assert.equal(r.flows[0].deliveredNewPath, 11);
    assert.equal(r.flows[0].newPathFromSendSeconds, 0.009);
    assert.deepEqual(
      r.pieces.map((p) => [p.fate, p.fromPacket, p.toPacket]),
      [["dropped", 0, 9], ["delivered-new", 9, 20]],
    );
  }
  // Negative control: the add a hair later misses packet 9.
  const later = packetConsistency(net, {
    ...timeline,
    changes: [{ ...timeline.changes[0], atSeconds: 0.00950050000001 }],
  }, { stream });
  assert.equal(later.flows[0].droppedPackets, 10);
});

Deno.test("item 3: per-packet delays in the trace: exact end-to-end delay, and the extra delay of packets rerouted onto a longer path", () => {
  // No change: every packet crosses the paper testbed's four links.
  const net = paperTestbedTopology({ linkBitsPerSecond: 1e8 }); // Fast Ethernet
  const s = paperScenario(net);
  const stream = cbrStream({ packetsPerSecond: 10_000, endSeconds: 0.01 });
  const still = packetConsistency(net, {
    initial: paperTestbedInitialEntries(net),
    changes: [],
    migrations: s.migrations,
  }, { stream });
  // 4 x (50 us + 512 bits / 100 Mbit/s) = 220.48 us, exactly.
  assert.deepEqual(still.delay, {
    packets: 200,
    minSeconds: 0.00022048,
    maxSeconds: 0.00022048,
    meanSeconds: 0.00022048,
  });
  assert.equal(still.delayedPackets, 0);
  // Split and merge: the new paths are 4 switches longer than the old ones.
  const sm = splitMergeScenario();
  const grid = sm.net;
  const hop = 0.0001 + 512 / 1e9; // the grid's links
  const r = run(
    sm,
    "paper",
    cbrStream({
      packetsPerSecond: 20_000,
      endSeconds: 0.2,
    }),
    { install: SOFTWARE_SWITCH },
  ).report;
  const b = run(
    sm,
    "paper",
    cbrStream({
      packetsPerSecond: 20_000,
      endSeconds: 0.2,
    }),
    { install: SOFTWARE_SWITCH },
    simulateMigrationPackets,
  ).report;
  assert.deepEqual(r, b);
  const f = r.flows[0];
  assert.ok(f.deliveredNewPath > 0 && f.deliveredOldPath > 0);
  assert.ok(f.deliveredMixedPath > 0);
  // Packets over the new path (4 more links) and over the mixed one (2 more).
  assert.equal(f.delayedPackets, f.deliveredNewPath + f.deliveredMixedPath);
  assert.equal(f.extraDelay.maxSeconds, 0.000402048);
  assert.equal(f.extraDelay.minSeconds, 0.000201024);
  assert.equal(4 * hop, 0.000402048);
  assert.equal(f.delay.minSeconds, 0.00050256); // old path: 5 links
  assert.equal(f.delay.maxSeconds, 0.000904608); // new path: 9 links
  assert.equal(r.maxDelaySeconds, 0.000402048);
  assert.equal(grid.links[0].latencySeconds, 0.0001);
});

Deno.test("item 8: link rates are honoured: 100,000 packets/s of 1500 bytes on the paper testbed's 100 Mbit/s links queue, lose packets, and make the run infeasible", () => {
  const net = paperTestbedTopology({ linkBitsPerSecond: 1e8 }); // Fast Ethernet
  const s = paperScenario(net);
  const timeline = {
    initial: paperTestbedInitialEntries(net),
    changes: timedChanges(migrationTiming(paperTestbedPlan(net), net)),
    migrations: s.migrations,
  };
  const big = cbrStream({
    packetsPerSecond: 100_000,
    packetSizeBytes: 1500,
    endSeconds: 0.05,
  });
  const r = packetConsistency(net, timeline, { stream: big });
  assert.equal(r.feasible, false);
  // Each host's access link carries 1.2 Gbit/s of its flow.
  const access = r.overloadedLinks.find((l) => l.from === "client")!;
  assert.equal(access.offeredBitsPerSecond, 1.2e9);
  assert.equal(access.capacityBitsPerSecond, 1e8);
  // The sender's link serialises 8333 packets/s; its queue holds 1000.
  assert.ok(r.queueDroppedPackets > 0);
  assert.ok(r.flows.every((f) => f.congested));
  assert.deepEqual(r.flows[0].queueDrops.map((d) => d.at), ["client"]);
  assert.deepEqual(r, simulateMigrationPackets(net, timeline, { stream: big }));
  // Exactly what the client's link lets through: the engine's own count.
  const link = countFates(big, [pathElement({
    linkBitsPerSecond: 1e8,
    queueCapacityPackets: 1000,
  })]);
  assert.equal(r.flows[0].queueDroppedPackets, link.lostPackets);
  // Negative control: 5000 packets/s of 1500 bytes (60 Mbit/s) fit.
  const fits = packetConsistency(net, timeline, {
    stream: cbrStream({
      packetsPerSecond: 5000,
      packetSizeBytes: 1500,
      endSeconds: 0.05,
    }),
  });
  assert.equal(fits.feasible, true);
  assert.equal(fits.lostPackets, 0);
  assert.ok(fits.flows.every((f) => !f.congested));
  // Two flows that each fit share a directed link: flagged (they are not
  // queued behind each other).
  const grid = gridTopology({ rows: 1, columns: 3 });
  const twin = (id: string) => ({
    flow: flow(grid, "h0_0", "h0_2", {
      id,
      match: {
        ethType: 0x0800,
        ipv4Src: `10.9.0.${id.length}`,
        ipv4Dst: "10.0.0.3",
      },
    }),
    oldPath: ["s0_0", "s0_1", "s0_2"],
    newPath: ["s0_0", "s0_1", "s0_2"],
  });
  const pair = [twin("a"), twin("bb")];
  const shared = packetConsistency(grid, {
    initial: initialEntries(grid, pair),
    changes: [],
    migrations: pair,
  }, {
    stream: cbrStream({
      packetsPerSecond: 50_000,
      packetSizeBytes: 1500,
      endSeconds: 0.01,
    }),
  });
  assert.equal(shared.lostPackets, 0);
  assert.equal(shared.feasible, false);
  assert.ok(shared.overloadedLinks.some((l) => l.from === "s0_1"));
});

// On the backwards fixture: packets go A, B, C, back to B, then E.
function bounceTimeline() {
  const net = backwardsTopology();
  const f = flow(net, "src", "dst");
  const e = (switchId: string, inPort: number, outPort: number): FlowEntry => ({
    switchId,
    priority: 100,
    match: { ...f.match, inPort },
    outPort,
    flowId: f.id,
  });
  const migration: FlowMigration = {
    flow: f,
    oldPath: ["A", "B", "C", "D", "E"],
    newPath: ["A", "C", "B", "E"],
  };
  return {
    net,
    f,
    e,
    timeline: {
      initial: [
        e("A", 1, 2), // to B
        e("B", 2, 3), // from A, to C
        e("C", 2, 2), // from B, back to B
        e("B", 3, 4), // from C, to E
        e("E", 3, 1), // from B, to dst
      ],
      changes: [],
      migrations: [migration],
    },
  };
}

Deno.test("item 9: a packet that revisits a switch counts as looped there with loops: first-revisit (delivered on a repeating path by the hop limit)", () => {
  const { net, timeline } = bounceTimeline();
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 0.01 });
  for (const engine of [packetConsistency, simulateMigrationPackets]) {
    const ttl = engine(net, timeline, { stream, recordPieces: true });
    assert.equal(ttl.flows[0].deliveredMixedPath, 10);
    assert.deepEqual(ttl.pieces[0].switches, ["A", "B", "C", "B", "E"]);
    const first = engine(net, timeline, {
      stream,
      loops: "first-revisit",
      recordPieces: true,
    });
    assert.equal(first.flows[0].loopedPackets, 10);
    assert.equal(first.lostPackets, 10);
    assert.deepEqual(first.flows[0].loops, [{ at: "B", packets: 10 }]);
    assert.equal(first.pieces[0].loopedAt, "B");
    assert.deepEqual(first.pieces[0].switches, ["A", "B", "C"]);
  }
});

Deno.test("item 9: ttlHops of 10,000 and more on a loop: no stack overflow, the loop reported where it closes", () => {
  const { net, e, timeline } = bounceTimeline();
  // B and C send the packets to each other forever.
  const loop = {
    ...timeline,
    initial: [e("A", 1, 2), e("B", 2, 3), e("C", 2, 2), e("B", 3, 3)],
  };
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 0.005 });
  for (const engine of [packetConsistency, simulateMigrationPackets]) {
    const r = engine(net, loop, { stream, ttlHops: 20_000 });
    assert.equal(r.loopedPackets, 5);
    assert.deepEqual(r.flows[0].loops, [{ at: "B", packets: 5 }]);
    assert.equal(r.flows[0].longestLossRun, 5);
  }
  assert.deepEqual(
    packetConsistency(net, loop, {
      stream,
      ttlHops: 10_000,
      recordPieces: true,
    }),
    simulateMigrationPackets(net, loop, {
      stream,
      ttlHops: 10_000,
      recordPieces: true,
    }),
  );
});

Deno.test("item 9: an unknown flow-mod command is a RangeError naming it", () => {
  const { net, e, timeline } = bounceTimeline();
  const bad = {
    ...timeline,
    changes: [{
      atSeconds: 0.001,
      mod: { command: "remove", entry: e("B", 2, 3) } as never,
    }],
  };
  for (const engine of [packetConsistency, simulateMigrationPackets]) {
    assert.throws(
      () => engine(net, bad),
      /changes\[0\]\.mod\.command must be one of "add", "modify", "delete"; got "remove"/,
    );
  }
  assert.throws(
    () => ruleStates(net, timeline.initial, bad.changes),
    /changes\[0\]\.mod\.command must be one of "add", "modify", "delete"; got "remove"/,
  );
});

Deno.test("item 9: modify of a missing entry does nothing (OpenFlow 1.1+), or adds it with modifyMissing: add (OpenFlow 1.0)", () => {
  const { net, e, timeline } = bounceTimeline();
  // E has no entry; a modify at 5 ms would give it one only as OpenFlow 1.0.
  const t = {
    ...timeline,
    initial: timeline.initial.filter((x) => x.switchId !== "E"),
    changes: [{
      atSeconds: 0.005,
      mod: { command: "modify" as const, entry: e("E", 3, 1) },
    }],
  };
  const stream = cbrStream({ packetsPerSecond: 1000, endSeconds: 0.01 });
  for (const engine of [packetConsistency, simulateMigrationPackets]) {
    const strict = engine(net, t, { stream });
    assert.equal(strict.droppedPackets, 10);
    assert.deepEqual(strict.flows[0].drops, [{ at: "E", packets: 10 }]);
    const asAdd = engine(net, t, { stream, modifyMissing: "add" });
    // Packets reach E 5 links after they are sent: 0.0005 s.
    const reach = 5 * (0.0001 + 512 / 1e9);
    const expected = countBefore(stream, 0.005 - reach);
    assert.equal(asAdd.droppedPackets, expected);
    assert.equal(asAdd.flows[0].deliveredMixedPath, 10 - expected);
  }
  const states = ruleStates(net, t.initial, t.changes, {
    modifyMissing: "add",
  });
  assert.equal(states.E.length, 2);
  assert.equal(ruleStates(net, t.initial, t.changes).E[1].entries.length, 0);
});

Deno.test('item 7: a flow too large to trace packet by packet is refused with the limit named (not "Invalid array length"); by runs it is counted', () => {
  const timeline = (net: Topology) => ({
    initial: paperTestbedInitialEntries(net),
    changes: timedChanges(migrationTiming(paperTestbedPlan(net), net)),
    migrations: paperTestbedMigrations(net),
  });
  // 5e13 packets a flow: 64-byte packets at 1e15/s overload 1 Gbit/s links,
  // so the run engine would trace them one by one too.
  const stream = cbrStream({ packetsPerSecond: 1e15, endSeconds: 0.05 });
  const net = paperTestbedTopology();
  const limit =
    /flow "client->server" has 50000000000000 packets; a flow traced packet by packet .* must have at most 4294967295/;
  assert.throws(() => packetConsistency(net, timeline(net), { stream }), limit);
  assert.throws(
    () => simulateMigrationPackets(net, timeline(net), { stream }),
    limit,
  );
  // Negative control: links fast enough to carry it, counted by runs.
  const fast = paperTestbedTopology({ linkBitsPerSecond: 1e18 });
  const r = packetConsistency(fast, timeline(fast), { stream });
  assert.equal(r.sentPackets, 1e14);
  assert.equal(r.feasible, true);
  assert.equal(r.lostPackets, 0);
});
